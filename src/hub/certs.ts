// Reads the hub's TLS files (server certificate, its key, the cluster CA) and checks that they belong together,
// so a wrong file is one line at start rather than a handshake that fails on every client.
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { configError } from '../lib/errors.js'
import { parseCertificate } from '../net/fingerprint.js'
import type { HubTls } from './listen.js'

export interface HubTlsFiles {
  cert: string
  key: string
  ca: string
}

export function readHubTls(files: HubTlsFiles): HubTls {
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (err) {
      throw configError(
        `cannot read the hub's ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check tls_cert, tls_key and tls_ca`,
      )
    }
  }
  const cert = read('certificate', files.cert)
  const key = read('key', files.key)
  const caCert = read('CA certificate', files.ca)
  const server = parseCertificate(cert, `the hub certificate ${files.cert}`, 'CONFIG')
  const ca = parseCertificate(caCert, `the CA certificate ${files.ca}`, 'CONFIG')
  if (!ca.ca) throw configError(`${files.ca} is not a CA certificate: tls_ca must be the cluster CA (ca.pem)`)
  if (!server.verify(ca.publicKey)) {
    throw configError(
      `the hub certificate ${files.cert} is not signed by the CA in ${files.ca}: issue it from that CA, or point tls_ca at the CA that signed it`,
    )
  }
  try {
    createSecureContext({ cert, key })
  } catch (err) {
    throw configError(
      `the hub key ${files.key} does not fit the certificate ${files.cert} (${(err as Error).message}): pass the key made with that certificate`,
    )
  }
  return { cert, key, caCert }
}
