// Where a cluster's CA and server certificate live on disk: keys 0600, certificates 0644, directory 0700.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import type { CertifiedKey, ClusterCa } from './ca.js'
import { caFingerprint } from './fingerprint.js'

export interface TlsPaths {
  dir: string
  /** The CA certificate (public: joiners fetch it and check its fingerprint). */
  caCert: string
  /** The CA private key (signs server certificates; never leaves this machine). */
  caKey: string
  cert: string
  key: string
}

export function tlsPaths(dir: string): TlsPaths {
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server-key.pem'),
  }
}

const PRIVATE = { mode: 0o600, dirMode: 0o700, enforceDirMode: true }
const PUBLIC = { mode: 0o644, dirMode: 0o700, enforceDirMode: true }

/** Writes the CA (when given) and the server certificate; each file atomically. */
export function writeClusterTls(dir: string, files: { ca?: CertifiedKey; server?: CertifiedKey }): TlsPaths {
  const p = tlsPaths(dir)
  if (files.ca) {
    writeFileAtomic(p.caKey, files.ca.keyPem, PRIVATE)
    writeFileAtomic(p.caCert, files.ca.certPem, PUBLIC)
  }
  if (files.server) {
    writeFileAtomic(p.key, files.server.keyPem, PRIVATE)
    writeFileAtomic(p.cert, files.server.certPem, PUBLIC)
  }
  return p
}

/** Reads the CA back (e.g. to issue a certificate for a new advertised host); CONFIG error when absent. */
export function readClusterCa(dir: string): ClusterCa {
  const p = tlsPaths(dir)
  for (const f of [p.caCert, p.caKey]) {
    if (!existsSync(f)) {
      throw new GridcoreError(
        'CONFIG',
        `the cluster CA file ${f} is missing: recreate the cluster (gridcore down, then gridcore up --listen)`,
      )
    }
  }
  const certPem = readFileSync(p.caCert, 'utf8')
  return { certPem, keyPem: readFileSync(p.caKey, 'utf8'), fingerprint: caFingerprint(certPem) }
}
