// The cluster CA and the server certificate it signs (EC P-256, via @peculiar/x509 over Node's WebCrypto).
import { createPrivateKey, KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import { caFingerprint } from './fingerprint.js'

/** PEM text of a certificate and its PKCS#8 private key. */
export interface CertifiedKey {
  certPem: string
  keyPem: string
}

export interface ClusterCa extends CertifiedKey {
  fingerprint: string
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const YEAR_MS = 365.25 * 24 * 3600 * 1000
/** Certificates start an hour in the past so a joining machine whose clock lags a little still accepts them. */
const SKEW_MS = 3600 * 1000
/** Names every server certificate carries besides the advertised host, so loopback clients verify too. */
export const LOOPBACK_NAMES = ['127.0.0.1', '::1', 'localhost'] as const

// Loaded on demand: the X.509 library costs ~90 ms of start-up that only `up` needs.
async function lib() {
  await import('reflect-metadata') // the library's dependency injection needs it, before the first import
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(globalThis.crypto)
  return x509
}

/** A new self-signed cluster CA: may sign server certificates only (path length 0), valid `years` years. */
export async function createClusterCa(opts: { name?: string; years?: number } = {}): Promise<ClusterCa> {
  const x509 = await lib()
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${dnValue(`gridcore cluster CA${opts.name ? ` ${opts.name}` : ''}`)}, O=gridcore`,
    notBefore: new Date(now - SKEW_MS),
    notAfter: new Date(now + (opts.years ?? 10) * YEAR_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  const certPem = cert.toString('pem')
  return {
    certPem: `${certPem}\n`,
    keyPem: await keyToPem(keys.privateKey),
    fingerprint: caFingerprint(certPem),
  }
}

/**
 * A server certificate signed by the CA for `hosts` plus 127.0.0.1, ::1 and localhost: IP addresses as IP
 * entries, names as DNS entries; valid as long as the CA (never longer).
 */
export async function issueServerCert(ca: CertifiedKey, hosts: readonly string[]): Promise<CertifiedKey> {
  const x509 = await lib()
  const names = certNames(hosts)
  const caCert = new x509.X509Certificate(ca.certPem)
  const caKey = await crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8(ca.keyPem)), ALG, false, ['sign'])
  const keys = await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${dnValue(names[0]!.value)}, O=gridcore`,
    issuer: caCert.subject,
    notBefore: new Date(Math.max(now - SKEW_MS, caCert.notBefore.getTime())),
    notAfter: caCert.notAfter,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  })
  return { certPem: `${cert.toString('pem')}\n`, keyPem: await keyToPem(keys.privateKey) }
}

/** The SAN entries for a server certificate: the given hosts first, then loopback, without duplicates. */
export function certNames(hosts: readonly string[]): { type: 'ip' | 'dns'; value: string }[] {
  const out: { type: 'ip' | 'dns'; value: string }[] = []
  for (const raw of [...hosts, ...LOOPBACK_NAMES]) {
    const host = raw.trim().replace(/^\[(.*)\]$/, '$1')
    const type = isIP(host) ? 'ip' : 'dns'
    if (type === 'dns' && !isDnsName(host)) {
      throw new GridcoreError(
        'USAGE',
        `"${raw}" is neither an IP address nor a host name: pass --advertise with an address or a DNS name such as node1.example.org`,
      )
    }
    const value = type === 'dns' ? host.toLowerCase() : host
    if (!out.some((n) => n.value === value)) out.push({ type, value })
  }
  return out
}

function isDnsName(host: string): boolean {
  return (
    host.length > 0 &&
    host.length <= 253 &&
    host.split('.').every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(l) || l === '*')
  )
}

/** A positive random 128-bit serial number in hex (RFC 5280 asks for unique, at most 20 octets). */
function serial(): string {
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[0] = (b[0]! & 0x7f) | 0x01
  return Buffer.from(b).toString('hex')
}

function dnValue(s: string): string {
  return s.replace(/([,+"\\<>;=])/g, '\\$1')
}

async function keyToPem(key: CryptoKey): Promise<string> {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString()
}

function pkcs8(pem: string): Buffer {
  try {
    return createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' })
  } catch (err) {
    throw new GridcoreError(
      'CONFIG',
      `the cluster CA key cannot be read (${(err as Error).message}): recreate the cluster with gridcore down and up`,
    )
  }
}
