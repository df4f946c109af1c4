// The cluster CA and server certificates: what they contain, who signed them, and the files' modes.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { certNames, createClusterCa, issueServerCert } from '../../src/net/ca.js'
import { readClusterCa, tlsPaths, writeClusterTls } from '../../src/net/tls-files.js'
import { tempDir } from '../helpers/tmp.js'

const YEAR = 365 * 24 * 3600 * 1000
const tmp = tempDir()

describe('cluster CA', () => {
  it('is a self-signed EC P-256 CA for ten years that may sign end certificates only', async () => {
    const ca = await createClusterCa({ name: 'lab' })
    const cert = new X509Certificate(ca.certPem)
    expect(cert.ca).toBe(true)
    expect(cert.subject).toContain('CN=gridcore cluster CA lab')
    expect(cert.checkIssued(cert)).toBe(true)
    expect(cert.verify(cert.publicKey)).toBe(true)
    expect(cert.publicKey.asymmetricKeyType).toBe('ec')
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    const life = Date.parse(cert.validTo) - Date.now()
    expect(life).toBeGreaterThan(9.9 * YEAR)
    expect(life).toBeLessThan(10.1 * YEAR)
    expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now() - 30 * 60_000) // tolerates a lagging clock
    expect(createPrivateKey(ca.keyPem).asymmetricKeyType).toBe('ec')
    expect(ca.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/)
    // Two CAs never share a serial or a key.
    const other = await createClusterCa()
    expect(other.fingerprint).not.toBe(ca.fingerprint)
    expect(new X509Certificate(other.certPem).serialNumber).not.toBe(cert.serialNumber)
  })

  it('signs a server certificate for the advertised host plus loopback, verifiable with the CA', async () => {
    const ca = await createClusterCa()
    const server = await issueServerCert(ca, ['10.1.2.3', 'Hub.Lab.Example'])
    const caCert = new X509Certificate(ca.certPem)
    const cert = new X509Certificate(server.certPem)
    expect(cert.ca).toBe(false)
    expect(cert.checkIssued(caCert)).toBe(true)
    expect(cert.verify(caCert.publicKey)).toBe(true)
    expect(cert.subject).toContain('CN=10.1.2.3')
    expect(cert.subjectAltName).toBe(
      'IP Address:10.1.2.3, DNS:hub.lab.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost',
    )
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3')
    expect(cert.checkIP('::1')).toBe('::1')
    expect(cert.checkHost('hub.lab.example')).toBe('hub.lab.example')
    expect(cert.checkIP('10.1.2.4')).toBeUndefined()
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1') // serverAuth
    expect(Date.parse(cert.validTo)).toBeLessThanOrEqual(Date.parse(caCert.validTo))
    expect(cert.checkPrivateKey(createPrivateKey(server.keyPem))).toBe(true)
  })

  it('takes IPv6 hosts with or without brackets and refuses what is no host', () => {
    expect(certNames(['[fd00::5]'])[0]).toEqual({ type: 'ip', value: 'fd00::5' })
    expect(certNames(['localhost', '127.0.0.1']).map((n) => n.value)).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
    ])
    expect(() => certNames(['bad host'])).toThrow(/neither an IP address nor a host name/)
    expect(() => certNames(['a,CN=evil'])).toThrow(/neither an IP address nor a host name/)
  })

  it('writes keys 0600 and certificates 0644 in a 0700 directory, and reads the CA back', async () => {
    const dir = join(tmp, 'tls')
    const ca = await createClusterCa()
    const server = await issueServerCert(ca, ['10.9.9.9'])
    const p = writeClusterTls(dir, { ca, server })
    expect(p).toEqual(tlsPaths(dir))
    const mode = (f: string) => statSync(f).mode & 0o777
    expect(mode(dir)).toBe(0o700)
    expect(mode(p.caKey)).toBe(0o600)
    expect(mode(p.key)).toBe(0o600)
    expect(mode(p.caCert)).toBe(0o644)
    expect(mode(p.cert)).toBe(0o644)
    expect(readFileSync(p.cert, 'utf8')).toBe(server.certPem)
    const back = readClusterCa(dir)
    expect(back).toEqual(ca)
    // The CA read back signs a certificate for a new host.
    const again = await issueServerCert(back, ['10.9.9.10'])
    expect(new X509Certificate(again.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true)
    expect(() => readClusterCa(join(dir, 'nope'))).toThrow(/is missing: recreate the cluster/)
  })
})
