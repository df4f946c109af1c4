// Cluster TLS material for tests: a fresh CA and a server certificate for the given hosts, on disk too.
import { createClusterCa, issueServerCert } from '../../src/net/ca.js'
import { type TlsPaths, writeClusterTls } from '../../src/net/tls-files.js'

export interface TestTls {
  caPem: string
  fingerprint: string
  cert: string
  key: string
  paths: TlsPaths
}

export async function makeTestTls(dir: string, hosts: string[] = []): Promise<TestTls> {
  const ca = await createClusterCa({ name: 'test' })
  const server = await issueServerCert(ca, hosts)
  const paths = writeClusterTls(dir, { ca, server })
  return { caPem: ca.certPem, fingerprint: ca.fingerprint, cert: server.certPem, key: server.keyPem, paths }
}
