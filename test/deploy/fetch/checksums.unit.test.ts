// Published SHA-256 checksums: sha256sum lists in their variants, a bare digest beside its asset, verification.
import { describe, expect, it } from 'vitest'
import {
  isChecksumList,
  parseChecksums,
  sha256,
  verifyChecksum,
} from '../../../src/deploy/fetch/checksums.js'

const A = 'a'.repeat(64)
const B = 'B'.repeat(64)

describe('parseChecksums', () => {
  it('reads sha256sum lines in text and binary mode, with paths and CRLF endings', () => {
    const text = `${A}  computehub-linux-x64\r\n${B} *dist/gridnode-linux-x64\r\n\r\n`
    expect(parseChecksums(text)).toEqual(
      new Map([
        ['computehub-linux-x64', A],
        ['gridnode-linux-x64', B.toLowerCase()],
      ]),
    )
  })

  it('files a bare digest under the asset it sits beside, and ignores lines that are not checksums', () => {
    expect(parseChecksums(`${A}\n`, 'x.tar.gz')).toEqual(new Map([['x.tar.gz', A]]))
    expect(parseChecksums(`${A}\n`)).toEqual(new Map())
    expect(
      parseChecksums(`# made by the release job\nmd5 ${'c'.repeat(32)} x\n${'d'.repeat(63)}  y\n`),
    ).toEqual(new Map())
  })
})

describe('checksum files', () => {
  it('knows the release-wide lists by name', () => {
    expect(
      ['SHA256SUMS', 'sha256sums.txt', 'checksums.txt', 'CHECKSUMS', 'sha256.txt'].map(isChecksumList),
    ).toEqual([true, true, true, true, true])
    expect(['computehub.sha256', 'SHA512SUMS', 'notes.txt'].map(isChecksumList)).toEqual([
      false,
      false,
      false,
    ])
  })
})

describe('verifyChecksum', () => {
  it('passes the right digest and names the asset and both digests otherwise', () => {
    const data = Buffer.from('computehub')
    expect(() => verifyChecksum('computehub-linux-x64', data, sha256(data))).not.toThrow()
    expect(() => verifyChecksum('computehub-linux-x64', data, A)).toThrow(
      `checksum mismatch for computehub-linux-x64 (expected ${A.slice(0, 12)}…, got ${sha256(data).slice(0, 12)}…): nothing was installed`,
    )
  })
})
