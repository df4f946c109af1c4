// Step of up --listen: the cluster CA (kept with Redis's data by down, so joined machines' pins stay valid; made
// when there is none) and a server certificate for the advertised host, the listen address and loopback, which
// the hub (HTTPS) and Redis (TLS only) both serve. Keys 0600 in a 0700 directory.
import { existsSync } from 'node:fs'
import type { LocalClusterState } from '../../cluster/local.js'
import { localCaPem } from '../../cluster/local.js'
import { createClusterCa, issueServerCert } from '../../net/ca.js'
import { readClusterCa, type TlsPaths, tlsPaths, writeClusterTls } from '../../net/tls-files.js'
import { isWildcard, type ListenSettings } from './listen.js'

export interface ClusterTls {
  paths: TlsPaths
  /** The CA certificate, PEM: what every client of the cluster trusts. */
  caPem: string
  fingerprint: string
  /** This up made the CA (false: an earlier cluster's, kept with the data). */
  caCreated: boolean
}

/** Makes (or reuses) the CA in `dir` and issues a fresh server certificate for the listen settings. */
export async function makeClusterTls(dir: string, listen: ListenSettings): Promise<ClusterTls> {
  const p = tlsPaths(dir)
  const kept = existsSync(p.caCert) && existsSync(p.caKey)
  const ca = kept ? readClusterCa(dir) : await createClusterCa({ name: listen.advertise })
  const hosts = [listen.advertise, ...(isWildcard(listen.address) ? [] : [listen.address])]
  const server = await issueServerCert(ca, hosts)
  writeClusterTls(dir, { ...(kept ? {} : { ca }), server })
  return { paths: p, caPem: ca.certPem, fingerprint: ca.fingerprint, caCreated: !kept }
}

/** Pure: the record's tls block. */
export function tlsRecord(t: ClusterTls): NonNullable<LocalClusterState['tls']> {
  return {
    dir: t.paths.dir,
    ca_file: t.paths.caCert,
    ca_key_file: t.paths.caKey,
    cert_file: t.paths.cert,
    key_file: t.paths.key,
    ca_fingerprint: t.fingerprint,
    ca_created: t.caCreated,
  }
}

/** The TLS of a recorded cluster, for restarting its parts and reaching them; undefined when it has none. */
export function recordedTls(state: LocalClusterState): ClusterTls | undefined {
  const t = state.tls
  if (!t) return undefined
  const caPem = localCaPem(state)
  if (!caPem) return undefined
  return {
    paths: { dir: t.dir, caCert: t.ca_file, caKey: t.ca_key_file, cert: t.cert_file, key: t.key_file },
    caPem,
    fingerprint: t.ca_fingerprint,
    caCreated: t.ca_created,
  }
}
