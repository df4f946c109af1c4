// Reading .tar.gz and .zip release assets in memory: entry names (prefix, GNU and pax long names), data, modes,
// what is skipped (directories, links) and what is refused.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readTar, readZip } from '../../src/lib/archive.js'
import { makeTar, makeZip } from '../helpers/archives.js'
import { tempDir } from '../helpers/tmp.js'

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array(56).fill(7)])
const dir = tempDir()
const long = `idm-gridcore-0.4.0-x86_64-unknown-linux-gnu/${'nested/'.repeat(12)}computehub`

describe('readTar', () => {
  it('reads regular files of a gzipped ustar archive with their data and modes', () => {
    const tgz = makeTar([
      { name: 'bin/', type: '5', mode: 0o755 },
      { name: 'bin/computehub', data: ELF, mode: 0o755 },
      { name: './bin/gridnode', data: 'node', mode: 0o700 },
      { name: 'empty', data: '' },
    ])
    expect(readTar(tgz)).toEqual([
      { name: 'bin/computehub', data: ELF, mode: 0o755 },
      { name: 'bin/gridnode', data: Buffer.from('node'), mode: 0o700 },
      { name: 'empty', data: Buffer.alloc(0), mode: 0o644 },
    ])
  })

  it('reads a plain (not gzipped) tar when asked', () => {
    const tar = makeTar([{ name: 'a', data: 'x'.repeat(1000) }], { gzip: false })
    expect(readTar(tar, false).map((e) => e.data.length)).toEqual([1000])
  })

  it('joins the ustar prefix field to the name', () => {
    const tgz = makeTar([{ name: 'computehub', prefix: 'release/linux-x64', data: ELF }])
    expect(readTar(tgz).map((e) => e.name)).toEqual(['release/linux-x64/computehub'])
  })

  it('reads names over 100 bytes from a GNU long-name entry and from a pax header', () => {
    expect(long.length).toBeGreaterThan(100)
    const gnu = readTar(makeTar([{ name: long, data: ELF, longName: 'gnu' }]))
    expect(gnu).toEqual([{ name: long, data: ELF, mode: 0o644 }])
    const pax = readTar(makeTar([{ name: long, data: ELF, longName: 'pax' }]))
    expect(pax).toEqual([{ name: long, data: ELF, mode: 0o644 }])
  })

  it('skips directories and symlinks; data that spans blocks stays whole', () => {
    const big = Buffer.alloc(5000, 3)
    const tgz = makeTar([
      { name: 'd/', type: '5' },
      { name: 'link', type: '2', linkname: 'd/big' },
      { name: 'd/big', data: big },
      { name: 'after', data: 'z' },
    ])
    expect(readTar(tgz).map((e) => [e.name, e.data.length])).toEqual([
      ['d/big', 5000],
      ['after', 1],
    ])
  })

  it.each(['gnu', 'posix'])('reads what GNU tar writes in its %s format, long names included', (format) => {
    mkdirSync(join(dir, dirname(long)), { recursive: true })
    writeFileSync(join(dir, long), ELF, { mode: 0o755 })
    const tgz = execFileSync('tar', [`--format=${format}`, '-czf', '-', '-C', dir, long.split('/')[0]!])
    expect(readTar(tgz)).toEqual([{ name: long, data: ELF, mode: 0o755 }])
  })

  it('throws on data that is not gzip', () => {
    expect(() => readTar(Buffer.from('not an archive'))).toThrow(/header/)
  })
})

describe('readZip', () => {
  it('reads stored and deflated files with their Unix modes, skipping directories', () => {
    const zip = makeZip([
      { name: 'bin/', method: 0 },
      { name: 'bin/computehub', data: ELF, method: 8, mode: 0o100755 },
      { name: 'bin/gridnode', data: 'node', method: 0, mode: 0o100700 },
    ])
    expect(readZip(zip)).toEqual([
      { name: 'bin/computehub', data: ELF, mode: 0o755 },
      { name: 'bin/gridnode', data: Buffer.from('node'), mode: 0o700 },
    ])
  })

  it('finds the central directory behind an archive comment', () => {
    const zip = makeZip([{ name: 'a', data: 'a'.repeat(3000) }], 'built by the release job')
    expect(readZip(zip).map((e) => e.data.toString())).toEqual(['a'.repeat(3000)])
  })

  it('gives files without Unix modes 644', () => {
    const zip = makeZip([{ name: 'f', data: 'x', mode: 0 }])
    expect(readZip(zip)[0]!.mode).toBe(0o644)
  })

  it('refuses a file that is not a zip, a broken central directory, and an unknown compression method', () => {
    expect(() => readZip(Buffer.alloc(100))).toThrow('not a zip archive (no end of central directory)')
    const zip = makeZip([{ name: 'a', data: 'a' }])
    const cd = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    const broken = Buffer.from(zip)
    broken[cd] = 0
    expect(() => readZip(broken)).toThrow('corrupt zip central directory')
    expect(() => readZip(makeZip([{ name: 'x.bin', data: 'abc', method: 14 }]))).toThrow(
      'zip entry x.bin uses compression method 14, which gridcore cannot read',
    )
  })
})
