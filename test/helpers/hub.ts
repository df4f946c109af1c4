// An embedded hub in the test process, on a free loopback port, with its log lines captured.
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { type RunningHub, startHub } from '../../src/hub/daemon.js'
import { createLogger } from '../../src/lib/logger.js'
import { freePort } from './ports.js'

export interface TestHub extends RunningHub {
  token: string
  stateFile: string
  logs: string[]
  /** fetch against the hub; `auth: false` sends no Authorization header. */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; auth?: string | false; contentType?: string | null },
  ): Promise<{ status: number; text: string; json: any; headers: { get(name: string): string | null } }>
}

export async function startTestHub(opts: {
  dir: string
  token?: string
  nodeTimeoutMs?: number
  sweepIntervalMs?: number
  port?: number
  stateFile?: string
}): Promise<TestHub> {
  const token = opts.token ?? 'test-token-0123456789'
  const stateFile = opts.stateFile ?? join(opts.dir, 'hub-state.json')
  const logs: string[] = []
  const logger = createLogger({
    format: 'json',
    component: 'hub',
    secrets: [token],
    write: (l) => logs.push(l),
  })
  const port = opts.port ?? (await freePort())
  const hub = await startHub({
    bind: `127.0.0.1:${port}`,
    token,
    stateFile,
    logger,
    nodeTimeoutMs: opts.nodeTimeoutMs,
    sweepIntervalMs: opts.sweepIntervalMs,
  })
  // A connection pool per hub, so a restarted hub never sees its predecessor's sockets.
  const agent = new Agent()
  const call: TestHub['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {}
    const auth = o.auth === undefined ? `Bearer ${token}` : o.auth
    if (auth !== false) headers.authorization = auth
    let body: string | undefined
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body)
      if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json'
    }
    const res = await fetch(`${hub.url}${path}`, { method, headers, body, dispatcher: agent })
    const text = await res.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, text, json, headers: res.headers }
  }
  const stop = hub.stop
  return Object.assign(hub, {
    token,
    stateFile,
    logs,
    call,
    async stop() {
      await stop()
      await agent.close()
    },
  })
}
