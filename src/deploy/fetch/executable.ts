// Checks a downloaded file is an executable for this OS and CPU (ELF on Linux, Mach-O on macOS).
import { GridcoreError } from '../../lib/errors.js'

const ELF_MAGIC = 0x7f454c46
/** ELF e_machine values of the CPUs gridcore knows by Node's arch names. */
const ELF_MACHINE: Record<string, number> = { x64: 62, arm64: 183 }
/** Mach-O 64-bit (either byte order) and universal ("fat") binaries. */
const MACHO_MAGICS = [0xcffaedfe, 0xfeedfacf, 0xcafebabe]

/** ELF (Linux) or Mach-O (macOS) for this CPU, or a clear error. */
export function checkExecutable(data: Buffer, name: string, platform: string, arch: string): void {
  const bad = (why: string) =>
    new GridcoreError(
      'CONFIG',
      `the downloaded ${name} is not an executable for ${platform}/${arch} (${why}): nothing was installed; pass --build-from-source`,
    )
  if (platform === 'linux') {
    if (data.length < 20 || data.readUInt32BE(0) !== ELF_MAGIC) throw bad('not an ELF file')
    const machine = data.readUInt16LE(18)
    const want = ELF_MACHINE[arch]
    if (want !== undefined && machine !== want) throw bad(`ELF machine ${machine}`)
    return
  }
  if (platform === 'darwin') {
    const magic = data.length >= 8 ? data.readUInt32BE(0) : 0
    if (!MACHO_MAGICS.includes(magic)) throw bad('not a Mach-O file')
    return
  }
  throw bad('unsupported platform')
}
