// A cluster CA's identity: `sha256:<64 hex>` of its certificate's DER, parsed and compared in one place.
import { createHash, X509Certificate } from 'node:crypto'
import { type ErrorCode, GridcoreError } from '../lib/errors.js'

const FINGERPRINT = /^sha256:([0-9a-f]{64})$/i

/** sha256:<hex> of a PEM certificate's DER bytes (the first certificate in the text). */
export function caFingerprint(pem: string | Buffer, code: ErrorCode = 'CONFIG'): string {
  return fingerprintOfDer(parseCertificate(pem, 'the CA certificate', code).raw)
}

export function fingerprintOfDer(der: Buffer): string {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`
}

/** Parses a PEM certificate; throws a one-line error naming what arrived. */
export function parseCertificate(
  pem: string | Buffer,
  what = 'the CA certificate',
  code: ErrorCode = 'HUB_BAD_RESPONSE',
): X509Certificate {
  const text = pem.toString()
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new GridcoreError(code, `${what} is not a PEM certificate (no BEGIN CERTIFICATE line)`)
  }
  try {
    return new X509Certificate(text)
  } catch (err) {
    throw new GridcoreError(code, `${what} cannot be parsed: ${(err as Error).message}`)
  }
}

/** Normalises a pinned fingerprint to lower-case `sha256:<hex>`; undefined when it is not one. */
export function normalizeFingerprint(raw: string): string | undefined {
  const m = FINGERPRINT.exec(raw.trim())
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined
}

/** Why a string is not a fingerprint, for error messages (never echoes more than the prefix). */
export function fingerprintProblem(raw: string): string {
  const s = raw.trim()
  if (!s.toLowerCase().startsWith('sha256:')) return 'it does not start with sha256:'
  const hex = s.slice(7)
  if (!/^[0-9a-f]*$/i.test(hex)) return 'it has characters other than hex digits after sha256:'
  return `it has ${hex.length} hex digits after sha256: where 64 were expected`
}
