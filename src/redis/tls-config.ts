// The redis.conf lines of a cluster Redis that serves TLS only: no plaintext port, the cluster's server
// certificate, clients authenticated by password (not by certificate), loopback plus the listen addresses.
import { isIP } from 'node:net'
import { GridcoreError } from '../lib/errors.js'

export interface RedisTlsOptions {
  /** The TLS port (the plaintext port is turned off). */
  tlsPort: number
  password: string
  certFile: string
  keyFile: string
  /** The cluster CA certificate (Redis needs one even when it asks clients for none). */
  caFile: string
  /** Addresses beyond loopback to bind, e.g. the --listen address; 0.0.0.0 (or ::) means every interface. */
  listen?: readonly string[]
}

/** Directives these lines own: a base config's own lines for them are dropped by withRedisTls. */
const OWNED = new Set([
  'bind',
  'port',
  'requirepass',
  'protected-mode',
  'tls-port',
  'tls-cert-file',
  'tls-key-file',
  'tls-ca-cert-file',
  'tls-auth-clients',
  'tls-protocols',
  'tls-replication',
  'tls-cluster',
])

export function redisTlsDirectives(o: RedisTlsOptions): string[] {
  if (!Number.isInteger(o.tlsPort) || o.tlsPort < 1 || o.tlsPort > 65535) {
    throw new GridcoreError('USAGE', `Redis TLS port ${o.tlsPort} is not a port: expected 1 to 65535`)
  }
  return [
    '# gridcore: TLS only (rediss://); clients prove themselves with the password, not a certificate',
    `bind ${bindAddresses(o.listen ?? []).join(' ')}`,
    'protected-mode yes',
    'port 0',
    `tls-port ${o.tlsPort}`,
    `tls-cert-file ${quote(o.certFile, 'the certificate path')}`,
    `tls-key-file ${quote(o.keyFile, 'the key path')}`,
    `tls-ca-cert-file ${quote(o.caFile, 'the CA path')}`,
    'tls-auth-clients no',
    'tls-protocols "TLSv1.2 TLSv1.3"',
    'tls-replication no',
    'tls-cluster no',
    `requirepass ${quote(o.password, 'the Redis password')}`,
  ]
}

/** A complete config: `base` (e.g. the launcher's redisConfig) without the lines TLS replaces, then the TLS lines. */
export function withRedisTls(base: string, o: RedisTlsOptions): string {
  const kept = base
    .split('\n')
    .filter((line) => !OWNED.has(line.trim().split(/\s+/)[0]!.toLowerCase()))
    .join('\n')
    .trimEnd()
  return `${kept}\n${redisTlsDirectives(o).join('\n')}\n`
}

/** 127.0.0.1 and (if the host has it) ::1, plus the listen addresses; a wildcard replaces the IPv4 loopback. */
export function bindAddresses(listen: readonly string[]): string[] {
  const out = ['127.0.0.1', '-::1']
  for (const raw of listen) {
    const a = raw.trim().replace(/^\[(.*)\]$/, '$1')
    if (a === '0.0.0.0' || a === '*') out[0] = '0.0.0.0'
    else if (a === '::' || a === '::*') out[1] = '-::*'
    else if (!isIP(a)) {
      throw new GridcoreError(
        'USAGE',
        `Redis cannot bind "${raw}": expected an IP address of this machine (or 0.0.0.0 for every interface)`,
      )
    } else if (!out.includes(a) && a !== '::1') out.push(a)
  }
  return out
}

function quote(value: string, what: string): string {
  if (/["\\\r\n]/.test(value)) {
    throw new GridcoreError(
      'CONFIG',
      `${what} contains a quote, backslash or line break, which redis.conf cannot carry`,
    )
  }
  return `"${value}"`
}
