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

/** Writes both files (0600: they hold the token); refuses to overwrite files gridcore did not write. */
export function writeLocalConfigs(
  dir: string,
  o: { hubPort: number; token: string; parallelism: number; runtime: 'docker' | 'process' | 'auto' },
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
  writeFileAtomic(hub, `${MARK}\nbind = ${q(`127.0.0.1:${o.hubPort}`)}\ntoken = ${q(o.token)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  })
  writeFileAtomic(
    node,
    [
      MARK,
      `server_url = ${q(`http://127.0.0.1:${o.hubPort}`)}`,
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
      '',
    ].join('\n'),
    { mode: 0o600, dirMode: 0o700 },
  )
  return { hub, node }
}
