// Which release assets fit this machine: both raw binaries, or one archive, named for this OS and CPU.
import { BINARIES } from './names.js'
import type { Asset } from './release.js'

/** How release assets spell each OS and CPU (Node's names as keys). */
const OS_KEYS: Record<string, string[]> = { linux: ['linux'], darwin: ['macos', 'darwin', 'apple', 'osx'] }
const ARCH_KEYS: Record<string, string[]> = {
  x64: ['x64', 'x86_64', 'amd64'],
  arm64: ['arm64', 'aarch64'],
}

/** Checksum and signature files, never a binary. */
export const isChecksumFile = (name: string) => /sha256|checksum|\.sha\d*$|\.asc$|\.sig$/i.test(name)
export const isArchive = (name: string) => /\.(tar\.gz|tgz|zip)$/i.test(name)
export const isZip = (name: string) => /\.zip$/i.test(name)

/** Both raw binaries, or one archive, whose names name this OS and arch (undefined when none fits). */
export function chooseAssets(assets: Asset[], platform: string, arch: string): Asset[] | undefined {
  const osKeys = OS_KEYS[platform] ?? [platform]
  // A macOS universal binary runs on either CPU.
  const archKeys = [
    ...(ARCH_KEYS[arch] ?? [arch]),
    ...(platform === 'darwin' ? ['universal', 'universal2'] : []),
  ]
  const fits = assets.filter((a) => {
    const n = a.name.toLowerCase()
    return (
      !isChecksumFile(n) &&
      osKeys.some((k) => n.includes(k)) &&
      archKeys.some((k) => new RegExp(`(^|[^a-z0-9])${k}([^a-z0-9]|$)`).test(n))
    )
  })
  const raw = BINARIES.map((b) => fits.find((a) => a.name.toLowerCase().startsWith(b) && !isArchive(a.name)))
  if (raw.every(Boolean)) return raw as Asset[]
  const archive = fits.find((a) => isArchive(a.name))
  return archive ? [archive] : undefined
}
