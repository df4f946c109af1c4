// A real `gridcore hub start` process for tests, plus raw-socket and RSS probes against it.
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { BIN } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'

export const TOKEN = 'edge-token-0123456789abcdef0123456789'

export interface HubProcess {
  child: ChildProcess
  port: number
  url: string
  /** Everything the process wrote on stderr so far. */
  err(): string
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>
  /** VmRSS of the process, in MB. */
  rssMb(): number
  /** fetch against the hub with the token (or `auth`), a JSON body when given. */
  call(
    method: string,
    path: string,
    body?: unknown,
    auth?: string | false,
  ): Promise<{ status: number; text: string; headers: Headers }>
  stop(): Promise<void>
}

/** Starts `gridcore hub start` on a free loopback port and waits until /health answers. */
export async function startHubProcess(dir: string, name = 'hub', args: string[] = []): Promise<HubProcess> {
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [
      BIN,
      'hub',
      'start',
      '--bind',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--state-file',
      join(dir, `${name}-${port}.json`),
      ...args,
    ],
    { env: { ...process.env, GRIDCORE_HOME: join(dir, 'home') }, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const url = `http://127.0.0.1:${port}`
  const hub: HubProcess = {
    child,
    port,
    url,
    err: () => stderr,
    exited,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024
    },
    async call(method, path, body, auth) {
      const headers: Record<string, string> = {}
      if (auth !== false) headers.authorization = auth ?? `Bearer ${TOKEN}`
      if (body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(`${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      })
      return { status: res.status, text: await res.text(), headers: res.headers }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(t)
      }
    },
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited at start: ${stderr}`)
    try {
      if ((await fetch(`${url}/health`)).ok) return hub
    } catch {}
    if (Date.now() > deadline) throw new Error(`hub did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface RawReply {
  /** Everything the server sent before it closed the socket or the wait ended. */
  data: string
  /** The status code of the first response, or null when none came. */
  status: number | null
  /** True when the server closed the connection. */
  closed: boolean
}

/** True when `data` holds a complete final (non-1xx) response with a Content-Length body. */
function complete(data: string): boolean {
  let rest = data
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) return false
    const head = rest.slice(0, end)
    if (/^HTTP\/1\.[01] 1\d\d /.test(head)) {
      rest = rest.slice(end + 4)
      continue
    }
    const len = /\r\ncontent-length: *(\d+)/i.exec(head)
    return len !== null && rest.length - end - 4 >= Number(len[1])
  }
}

/**
 * Writes raw bytes (a string or a list of chunks sent `gapMs` apart) on a new TCP connection and collects what
 * comes back until the server closes, a whole response is in, or `waitMs` passes.
 */
export function raw(
  port: number,
  chunks: string | Buffer | (string | Buffer)[],
  opts: { waitMs?: number; gapMs?: number; endAfter?: boolean; keepReading?: boolean } = {},
): Promise<RawReply> {
  const list = Array.isArray(chunks) ? chunks : [chunks]
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1')
    let data = ''
    let closed = false
    const finish = () => {
      clearTimeout(timer)
      sock.destroy()
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data)
      resolve({ data, status: m ? Number(m[1]) : null, closed })
    }
    const timer = setTimeout(finish, opts.waitMs ?? 3_000)
    sock.on('data', (d) => {
      data += d.toString('latin1')
      if (!opts.keepReading && complete(data)) finish()
    })
    sock.on('error', () => {})
    sock.on('close', () => {
      closed = true
      finish()
    })
    sock.on('connect', async () => {
      for (const c of list) {
        if (sock.destroyed) return
        sock.write(c)
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
      }
      if (opts.endAfter) sock.end()
    })
  })
}

/** Opens a connection and writes `head` without ever finishing the request; returns the socket. */
export function hold(port: number, head: string | Buffer): Promise<Socket> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write(head)
      resolve(sock)
    })
    sock.on('error', () => {})
  })
}
