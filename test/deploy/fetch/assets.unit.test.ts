// Choosing the release assets for an OS and CPU: how releases spell them, raw binaries or one archive, never
// a checksum or signature file.
import { describe, expect, it } from 'vitest'
import { chooseAssets, isArchive, isChecksumFile } from '../../../src/deploy/fetch/assets.js'

const assets = (...names: string[]) =>
  names.map((name) => ({ name, browser_download_url: `https://dl/${name}` }))
const chosen = (names: string[], platform: string, arch: string) =>
  chooseAssets(assets(...names), platform, arch)?.map((a) => a.name)

describe('chooseAssets', () => {
  it.each([
    ['linux', 'x64', 'x86_64'],
    ['linux', 'x64', 'amd64'],
    ['linux', 'x64', 'x64'],
    ['linux', 'arm64', 'aarch64'],
    ['linux', 'arm64', 'arm64'],
    ['darwin', 'arm64', 'macos-arm64'],
    ['darwin', 'x64', 'darwin-x86_64'],
    ['darwin', 'arm64', 'apple-aarch64'],
    ['darwin', 'x64', 'osx-amd64'],
  ])('%s/%s finds raw binaries named …-%s', (platform, arch, spelling) => {
    const os = spelling.includes('-') ? '' : `${platform}-`
    const names = [`computehub-0.3.0-${os}${spelling}`, `gridnode-0.3.0-${os}${spelling}`]
    expect(chosen([...names, 'computehub-0.3.0-windows-x64.exe', 'README.md'], platform, arch)).toEqual(names)
  })

  it('needs both raw binaries; with one missing it takes an archive, or nothing', () => {
    expect(chosen(['computehub-linux-x64'], 'linux', 'x64')).toBeUndefined()
    expect(chosen(['computehub-linux-x64', 'idm-gridcore-linux-x64.tar.gz'], 'linux', 'x64')).toEqual([
      'idm-gridcore-linux-x64.tar.gz',
    ])
  })

  it('prefers raw binaries over an archive of the same release', () => {
    expect(
      chosen(['bundle-linux-x86_64.zip', 'Gridnode-Linux-X86_64', 'ComputeHub-Linux-X86_64'], 'linux', 'x64'),
    ).toEqual(['ComputeHub-Linux-X86_64', 'Gridnode-Linux-X86_64'])
  })

  it.each(['tar.gz', 'tgz', 'zip'])('takes a .%s archive', (ext) => {
    expect(chosen([`idm-gridcore-0.4.0-aarch64-unknown-linux-gnu.${ext}`], 'linux', 'arm64')).toEqual([
      `idm-gridcore-0.4.0-aarch64-unknown-linux-gnu.${ext}`,
    ])
  })

  it('does not take an archive kind it cannot read', () => {
    expect(
      chosen(['idm-gridcore-linux-x64.tar.xz', 'idm-gridcore-linux-x64.tar.zst'], 'linux', 'x64'),
    ).toBeUndefined()
  })

  it('never takes a checksum or signature file, even one named like a binary', () => {
    const names = [
      'computehub-linux-x64.sha256',
      'gridnode-linux-x64.sha256',
      'idm-gridcore-linux-x64.tar.gz.asc',
      'idm-gridcore-linux-x64.tar.gz.sig',
      'idm-gridcore-linux-x64-checksums.txt',
    ]
    expect(chosen(names, 'linux', 'x64')).toBeUndefined()
  })

  it('matches the CPU as a whole word and the OS: not x32 for x64, not armv7 for arm64, not another OS', () => {
    expect(chosen(['computehub-linux-x32', 'gridnode-linux-x32'], 'linux', 'x64')).toBeUndefined()
    expect(chosen(['computehub-linux-armv7', 'gridnode-linux-armv7'], 'linux', 'arm64')).toBeUndefined()
    expect(chosen(['computehub-linux-riscv64', 'gridnode-linux-riscv64'], 'linux', 'x64')).toBeUndefined()
    expect(chosen(['computehub-macos-x64', 'gridnode-macos-x64'], 'linux', 'x64')).toBeUndefined()
    expect(chosen(['computehub-linux-x64', 'gridnode-linux-x64'], 'darwin', 'x64')).toBeUndefined()
  })

  it('takes a macOS universal build for either CPU, and only on macOS', () => {
    const names = ['idm-gridcore-macos-universal.tar.gz']
    expect(chosen(names, 'darwin', 'arm64')).toEqual(names)
    expect(chosen(names, 'darwin', 'x64')).toEqual(names)
    expect(chosen(['idm-gridcore-linux-universal.tar.gz'], 'linux', 'x64')).toBeUndefined()
  })

  it("falls back to Node's own names for other platforms and CPUs", () => {
    expect(chosen(['computehub-freebsd-riscv64', 'gridnode-freebsd-riscv64'], 'freebsd', 'riscv64')).toEqual([
      'computehub-freebsd-riscv64',
      'gridnode-freebsd-riscv64',
    ])
  })
})

describe('asset kinds', () => {
  it('knows archives and checksum files by name', () => {
    expect(['a.tar.gz', 'a.TGZ', 'a.zip'].map(isArchive)).toEqual([true, true, true])
    expect(['a.tar', 'a.tar.xz', 'a.gz', 'computehub'].map(isArchive)).toEqual([false, false, false, false])
    expect(
      ['SHA256SUMS', 'a.sha256', 'a.sha512', 'checksums.txt', 'a.asc', 'a.sig'].map(isChecksumFile),
    ).toEqual([true, true, true, true, true, true])
    expect(['computehub-linux-x64', 'a.tar.gz'].map(isChecksumFile)).toEqual([false, false])
  })
})
