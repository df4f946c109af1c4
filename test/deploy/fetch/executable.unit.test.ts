// The executable check for assets with no published checksum: ELF machine on Linux, Mach-O CPU type on macOS.
import { describe, expect, it } from 'vitest'
import { checkExecutable, machOCpus } from '../../../src/deploy/fetch/executable.js'

/** An ELF header: magic, 64-bit, the byte order, and e_machine at offset 18. */
function elf(machine: number, bigEndian = false): Buffer {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = 2
  b[5] = bigEndian ? 2 : 1
  if (bigEndian) b.writeUInt16BE(machine, 18)
  else b.writeUInt16LE(machine, 18)
  return b
}
const X86_64 = 0x01000007
const ARM64 = 0x0100000c
/** A thin 64-bit Mach-O header as the toolchain writes it (little-endian). */
function macho(cpu: number): Buffer {
  const b = Buffer.alloc(32)
  b.writeUInt32LE(0xfeedfacf, 0)
  b.writeUInt32LE(cpu, 4)
  return b
}
/** A universal binary's header: the big-endian fat_arch list. */
function fat(...cpus: number[]): Buffer {
  const b = Buffer.alloc(8 + cpus.length * 20)
  b.writeUInt32BE(0xcafebabe, 0)
  b.writeUInt32BE(cpus.length, 4)
  for (const [i, c] of cpus.entries()) b.writeUInt32BE(c, 8 + i * 20)
  return b
}
const check = (data: Buffer, platform: string, arch: string) => () =>
  checkExecutable(data, 'computehub', platform, arch)

describe('checkExecutable on Linux', () => {
  it('accepts an ELF file for this CPU', () => {
    expect(check(elf(62), 'linux', 'x64')).not.toThrow()
    expect(check(elf(183), 'linux', 'arm64')).not.toThrow()
    expect(check(elf(22, true), 'linux', 's390x')).not.toThrow()
  })

  it('refuses an ELF file for another CPU, naming both machines', () => {
    expect(check(elf(183), 'linux', 'x64')).toThrow(
      'the downloaded computehub is not an executable for linux/x64 (ELF machine 183, expected 62): nothing was installed; pass --build-from-source',
    )
    expect(check(elf(62), 'linux', 'arm64')).toThrow('(ELF machine 62, expected 183)')
  })

  it('refuses a script, a Mach-O file and a short file as not ELF', () => {
    for (const data of [
      Buffer.from('#!/bin/sh\necho hi\n'),
      macho(X86_64),
      Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    ])
      expect(check(data, 'linux', 'x64')).toThrow('(not an ELF file)')
  })
})

describe('checkExecutable on macOS', () => {
  it('accepts a thin Mach-O for this CPU and a universal binary that holds it', () => {
    expect(check(macho(ARM64), 'darwin', 'arm64')).not.toThrow()
    expect(check(macho(X86_64), 'darwin', 'x64')).not.toThrow()
    expect(check(fat(X86_64, ARM64), 'darwin', 'arm64')).not.toThrow()
    expect(check(fat(X86_64, ARM64), 'darwin', 'x64')).not.toThrow()
  })

  it('refuses a Mach-O for another CPU', () => {
    expect(check(macho(X86_64), 'darwin', 'arm64')).toThrow('(Mach-O for CPU type 0x1000007)')
    expect(check(fat(X86_64), 'darwin', 'arm64')).toThrow('(Mach-O for CPU type 0x1000007)')
  })

  it('refuses an ELF file, a script and a Java class file (same magic as universal binaries) as not Mach-O', () => {
    const javaClass = Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 65, ...Array(40).fill(0)])
    for (const data of [elf(183), Buffer.from('#!/bin/sh\n'), javaClass])
      expect(check(data, 'darwin', 'arm64')).toThrow('(not a Mach-O file)')
  })

  it('reads the CPU list of big-endian thin and 64-bit universal headers too', () => {
    const be = Buffer.alloc(32)
    be.writeUInt32BE(0xfeedfacf, 0)
    be.writeUInt32BE(ARM64, 4)
    expect(machOCpus(be)).toEqual([ARM64])
    const fat64 = Buffer.alloc(8 + 2 * 32)
    fat64.writeUInt32BE(0xcafebabf, 0)
    fat64.writeUInt32BE(2, 4)
    fat64.writeUInt32BE(X86_64, 8)
    fat64.writeUInt32BE(ARM64, 40)
    expect(machOCpus(fat64)).toEqual([X86_64, ARM64])
    expect(machOCpus(Buffer.alloc(4))).toBeUndefined()
  })
})

describe('checkExecutable elsewhere', () => {
  it('refuses platforms it cannot check', () => {
    expect(check(elf(62), 'win32', 'x64')).toThrow('(unsupported platform)')
  })
})
