// A real `gridcore node start` process against a test hub, with a gridnode.toml written for the test.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Proc, startCli } from './procs.js'

let n = 0

export interface NodeProc extends Proc {
  config: string
  /** Log lines (JSON) the node wrote so far. */
  logs(): { msg: string; [k: string]: unknown }[]
  /** The id the node registered with (waits for the registration). */
  id(): Promise<string>
}

export function startNodeProc(
  dir: string,
  hub: { url: string; token: string },
  opts: {
    toml?: Record<string, string | number>
    args?: string[]
    env?: Record<string, string | undefined>
    config?: string
  } = {},
): NodeProc {
  const config = opts.config ?? join(dir, `gridnode-${n++}.toml`)
  if (!opts.config) {
    const keys: Record<string, string | number> = {
      server_url: JSON.stringify(hub.url),
      token: JSON.stringify(hub.token),
      heartbeat_interval: 0.3,
      task_poll_interval: 0.2,
      stop_timeout: 2,
      parallelism: 2,
      runtime: '"process"',
      allowed_commands: '["*"]',
      ...opts.toml,
    }
    writeFileSync(
      config,
      `${Object.entries(keys)
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n')}\n`,
    )
  }
  const p = startCli(
    [
      'node',
      'start',
      '--config',
      config,
      '--log-format',
      'json',
      '--state-dir',
      join(dir, 'node-state'),
      ...(opts.args ?? []),
    ],
    {
      GRIDCORE_HOME: join(dir, 'home'),
      ...opts.env,
    },
  )
  const logs = () =>
    p
      .err()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
  return Object.assign(p, {
    config,
    logs,
    id: () =>
      waitFor('registration', () => {
        const line = logs().find((l: { msg: string }) => l.msg.startsWith('registered with'))
        return line ? (line.node as string) : undefined
      }),
  })
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** SIGTERMs the nodes a test started (and empties the list), waiting for each to exit. */
export async function stopNodes(nodes: NodeProc[]): Promise<void> {
  for (const n of nodes.splice(0)) {
    if (n.child.exitCode === null) {
      n.child.kill('SIGTERM')
      await n.exited
    }
  }
}
