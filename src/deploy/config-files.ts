// The upstream config files of a local cluster (computehub.toml, gridnode.toml), marked as gridcore's own.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { configError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'

export const MARK = '# written by gridcore up; gridcore down removes it'

export interface LocalConfigs {
  hub: string
  node: string
}

/** up --listen: the hub's addresses, TLS files and the Redis URL it gives submit tokens. */
export interface ListenConfig {
  /** HOST:PORT on the listen address. */
  bind: string
  /** Loopback beside it (none for a wildcard). */
  alsoBind: string[]
  /** The advertised Redis URL (password included; the file is 0600). */
  redisUrl: string
  /** Absent with --insecure-plaintext. */
  tls?: { cert: string; key: string; ca: string }
}

/** Writes both files (0600: they hold the token); refuses to overwrite files gridcore did not write. */
export function writeLocalConfigs(
  dir: string,
  o: {
    hubPort: number
    token: string
    parallelism: number
    runtime: 'docker' | 'process' | 'auto'
    listen?: ListenConfig
  },
): LocalConfigs {
  const hub = join(dir, 'computehub.toml')
  const node = join(dir, 'gridnode.toml')
  for (const f of [hub, node]) {
    if (existsSync(f) && !readFileSync(f, 'utf8').startsWith(MARK)) {
      throw configError(
        `${f} exists and was not written by gridcore: move it aside, or connect to that cluster with gridcore connect`,
      )
    }
  }
  const q = JSON.stringify
  const l = o.listen
  const hubLines = [
    MARK,
    `bind = ${q(l ? l.bind : `127.0.0.1:${o.hubPort}`)}`,
    `token = ${q(o.token)}`,
    ...(l
      ? [
          '# gridcore additions (upstream computehub ignores them)',
          `also_bind = ${q(l.alsoBind)}`,
          `redis_url = ${q(l.redisUrl)}`,
          ...(l.tls
            ? [`tls_cert = ${q(l.tls.cert)}`, `tls_key = ${q(l.tls.key)}`, `tls_ca = ${q(l.tls.ca)}`]
            : []),
        ]
      : []),
    '',
  ]
  writeFileAtomic(hub, hubLines.join('\n'), { mode: 0o600, dirMode: 0o700 })
  writeFileAtomic(
    node,
    [
      MARK,
      `server_url = ${q(`${l?.tls ? 'https' : 'http'}://${nodeHub(l, o.hubPort)}`)}`,
      `token = ${q(o.token)}`,
      `parallelism = ${o.parallelism}`,
      'heartbeat_interval = 1',
      'stop_timeout = 10',
      'container_memory = 1024',
      '# gridcore additions (upstream gridnode ignores them)',
      `runtime = ${q(o.runtime)}`,
      'network_mode = "host"',
      'allowed_commands = ["*"]',
      'task_poll_interval = 0.2',
      ...(l?.tls ? [`ca_file = ${q(l.tls.ca)}`] : []),
      '',
    ].join('\n'),
    { mode: 0o600, dirMode: 0o700 },
  )
  return { hub, node }
}

/**
 * Where the local node reaches the hub: loopback, or for a cluster listening on an interface address that address
 * (the certificate names it), so the hub records this machine's address for it as for other machines' nodes.
 */
function nodeHub(l: ListenConfig | undefined, hubPort: number): string {
  if (!l || /^(0\.0\.0\.0|\[::\]):/.test(l.bind)) return `127.0.0.1:${hubPort}`
  return l.bind
}
