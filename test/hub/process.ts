// A real `gridcore hub start` process for tests (plain HTTP, or HTTPS with a test CA), plus raw-socket and RSS
// probes against it (over TLS too, verified by the test CA).
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { Agent, fetch } from 'undici'
import { BIN } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import type { TestTls } from '../helpers/tls.js'

export const TOKEN = 'edge-token-0123456789abcdef0123456789'

export interface HubProcess {
  child: ChildProcess
  port: number
  url: string
  /** The test CA and certificate when the hub serves HTTPS. */
  tls?: TestTls
  /** Options for raw()/hold() against this hub (TLS verified by the test CA when it serves HTTPS). */
  sock: SocketOptions
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

/** Starts `gridcore hub start` on a free loopback port (HTTPS with `tls`) and waits until /health answers. */
export async function startHubProcess(
  dir: string,
  name = 'hub',
  args: string[] = [],
  tls?: TestTls,
): Promise<HubProcess> {
  const port = await freePort()
  const tlsArgs = tls
    ? ['--tls-cert', tls.paths.cert, '--tls-key', tls.paths.key, '--tls-ca', tls.paths.caCert]
    : []
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
      ...tlsArgs,
      ...args,
    ],
    { env: { ...process.env, GRIDCORE_HOME: join(dir, 'home') }, stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
  // Node's global fetch brings its own undici: requests go through the package's, with the CA when there is one.
  const agent = new Agent(tls ? { connect: { ca: tls.caPem } } : {})
  const hub: HubProcess = {
    child,
    port,
    url,
    ...(tls ? { tls } : {}),
    sock: tls ? { ca: tls.caPem } : {},
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
        dispatcher: agent,
      })
      return { status: res.status, text: await res.text(), headers: res.headers as unknown as Headers }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(t)
      }
      if (!agent.closed) await agent.close()
    },
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited at start: ${stderr}`)
    try {
      if ((await fetch(`${url}/health`, { dispatcher: agent })).ok) return hub
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

/** How raw()/hold() connect: plain TCP, or TLS verified by `ca` (a hub serving HTTPS). */
export interface SocketOptions {
  ca?: string
}

/** A new connection to 127.0.0.1:port; `ready` fires once bytes may be written (after the handshake for TLS). */
function open(port: number, o: SocketOptions, ready: () => void): Socket {
  if (o.ca) return tlsConnect({ host: '127.0.0.1', port, ca: o.ca }, ready)
  return connect(port, '127.0.0.1', ready)
}

/**
 * Writes raw bytes (a string or a list of chunks sent `gapMs` apart) on a new TCP (or TLS) connection and collects
 * what comes back until the server closes, a whole response is in, or `waitMs` passes.
 */
export function raw(
  port: number,
  chunks: string | Buffer | (string | Buffer)[],
  opts: { waitMs?: number; gapMs?: number; endAfter?: boolean; keepReading?: boolean } & SocketOptions = {},
): Promise<RawReply> {
  const list = Array.isArray(chunks) ? chunks : [chunks]
  return new Promise((resolve) => {
    const sock = open(port, opts, async () => {
      for (const c of list) {
        if (sock.destroyed) return
        sock.write(c)
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
      }
      if (opts.endAfter) sock.end()
    })
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
  })
}

/** Opens a connection and writes `head` without ever finishing the request; returns the socket. */
export function hold(port: number, head: string | Buffer, o: SocketOptions = {}): Promise<Socket> {
  return new Promise((resolve) => {
    const sock = open(port, o, () => {
      sock.write(head)
      resolve(sock)
    })
    // Cut before it was ready (an evicted TLS handshake): the caller gets the closed socket.
    sock.on('error', () => resolve(sock))
    sock.on('close', () => resolve(sock))
  })
}
