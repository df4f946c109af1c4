// CA fingerprints: sha256 of the DER, normalised, and bad input explained.
import { createHash, X509Certificate } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { GridcoreError } from '../../src/lib/errors.js'
import { createClusterCa } from '../../src/net/ca.js'
import {
  caFingerprint,
  fingerprintProblem,
  normalizeFingerprint,
  parseCertificate,
} from '../../src/net/fingerprint.js'

describe('CA fingerprints', () => {
  it('is sha256: and the hex digest of the certificate DER', async () => {
    const ca = await createClusterCa()
    const der = new X509Certificate(ca.certPem).raw
    const hex = createHash('sha256').update(der).digest('hex')
    expect(caFingerprint(ca.certPem)).toBe(`sha256:${hex}`)
    expect(ca.fingerprint).toBe(`sha256:${hex}`)
    // Node's own colon-separated form agrees.
    expect(new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase()).toBe(hex)
  })

  it('normalises case and whitespace and rejects anything else', () => {
    const hex = '0f'.repeat(32)
    expect(normalizeFingerprint(` SHA256:${hex.toUpperCase()} `)).toBe(`sha256:${hex}`)
    expect(normalizeFingerprint(hex)).toBeUndefined()
    expect(normalizeFingerprint(`sha256:${hex}00`)).toBeUndefined()
    expect(fingerprintProblem(hex)).toMatch(/does not start with sha256:/)
    expect(fingerprintProblem('sha256:abc')).toMatch(/3 hex digits .* where 64 were expected/)
  })

  it('refuses text that is not a certificate in one line with the given code', () => {
    for (const text of ['hello', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
      try {
        parseCertificate(text)
        throw new Error('accepted')
      } catch (err) {
        expect(err).toBeInstanceOf(GridcoreError)
        expect((err as GridcoreError).code).toBe('HUB_BAD_RESPONSE')
        expect((err as GridcoreError).message).not.toContain('\n')
      }
    }
    expect(() => caFingerprint('nope')).toThrow(/not a PEM certificate/)
  })
})
