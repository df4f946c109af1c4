// Checks a downloaded file is an executable for this OS and CPU (ELF on Linux, Mach-O on macOS).
import { GridcoreError } from '../../lib/errors.js'

const ELF_MAGIC = 0x7f454c46
/** ELF e_machine by Node's arch names. */
const ELF_MACHINE: Record<string, number> = {
  ia32: 3,
  arm: 40,
  x64: 62,
  arm64: 183,
  riscv64: 243,
  ppc64: 21,
  s390x: 22,
  loong64: 258,
}
/** Mach-O cputype by Node's arch names. */
const MACHO_CPU: Record<string, number> = { x64: 0x01000007, arm64: 0x0100000c }

/** The CPU types a Mach-O file (thin 64-bit, either byte order, or universal) is built for; undefined if none. */
export function machOCpus(data: Buffer): number[] | undefined {
  if (data.length < 8) return undefined
  const magic = data.readUInt32BE(0)
  if (magic === 0xcffaedfe) return [data.readUInt32LE(4)] // MH_MAGIC_64 written little-endian
  if (magic === 0xfeedfacf) return [data.readUInt32BE(4)]
  if (magic === 0xcafebabe || magic === 0xcafebabf) {
    // Universal: a big-endian list of fat_arch (20 bytes) or fat_arch_64 (32 bytes) entries.
    const count = data.readUInt32BE(4)
    const size = magic === 0xcafebabe ? 20 : 32
    if (count === 0 || count > 32 || data.length < 8 + count * size) return undefined // e.g. a Java class file
    return Array.from({ length: count }, (_, i) => data.readUInt32BE(8 + i * size))
  }
  return undefined
}

/** ELF (Linux) or Mach-O (macOS) for this CPU, or a clear error. */
export function checkExecutable(data: Buffer, name: string, platform: string, arch: string): void {
  const bad = (why: string) =>
    new GridcoreError(
      'CONFIG',
      `the downloaded ${name} is not an executable for ${platform}/${arch} (${why}): nothing was installed; pass --build-from-source`,
    )
  if (platform === 'linux') {
    if (data.length < 20 || data.readUInt32BE(0) !== ELF_MAGIC) throw bad('not an ELF file')
    // e_machine is in the file's byte order (EI_DATA: 1 little-endian, 2 big-endian).
    const machine = data[5] === 2 ? data.readUInt16BE(18) : data.readUInt16LE(18)
    const want = ELF_MACHINE[arch]
    if (want !== undefined && machine !== want) throw bad(`ELF machine ${machine}, expected ${want}`)
    return
  }
  if (platform === 'darwin') {
    const cpus = machOCpus(data)
    if (!cpus) throw bad('not a Mach-O file')
    const want = MACHO_CPU[arch]
    if (want !== undefined && !cpus.includes(want))
      throw bad(`Mach-O for CPU type ${cpus.map((c) => `0x${c.toString(16)}`).join(', ')}`)
    return
  }
  throw bad('unsupported platform')
}
