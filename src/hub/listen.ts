// The only file that opens a socket for the hub: a node:http server with bounded header time, body time and
// unproven connections, serving the hub app.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import type { HubApp } from './app.js'
import { ConnectionGuard, DEFAULT_GUARD_LIMITS, type GuardLimits } from './guard.js'
import { DEFAULT_SERVE_LIMITS, type ServeLimits, serveHub } from './serve.js'

export interface ListenLimits extends ServeLimits, GuardLimits {
  /** Time a client has to send a complete request head (then 408 and close). */
  headersTimeoutMs: number
  /** Connections kept open in total (file descriptors); more are closed at once. */
  maxConnections: number
}

export const DEFAULT_LIMITS: ListenLimits = {
  ...DEFAULT_SERVE_LIMITS,
  ...DEFAULT_GUARD_LIMITS,
  headersTimeoutMs: 10_000,
  maxConnections: 4_096,
}

export interface Listening {
  server: Server
  /** Base URL clients should use, e.g. http://127.0.0.1:8080 */
  url: string
  port: number
  guard: ConnectionGuard
  close(): Promise<void>
}

export function parseBind(bind: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(bind.trim())
  const port = m ? Number(m[3]) : Number.NaN
  if (!m || port > 65535) {
    throw new GridcoreError(
      'USAGE',
      `bind address "${bind}" is not HOST:PORT: use e.g. 127.0.0.1:8080 or 0.0.0.0:8080`,
    )
  }
  return { host: (m[1] ?? m[2])!, port }
}

export function listen(
  app: HubApp,
  bind: string,
  logger: Logger,
  overrides: Partial<ListenLimits> = {},
): Promise<Listening> {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  const { host, port } = parseBind(bind)
  const server = createServer({
    // hyper serves HTTP/1.0 and requests without Host; so does the hub.
    requireHostHeader: false,
    headersTimeout: limits.headersTimeoutMs,
    // A backstop over the app's own body timer.
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000,
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  })
  server.maxConnections = limits.maxConnections
  const guard = new ConnectionGuard({
    ...limits,
    maxUnprovenAgeMs: overrides.maxUnprovenAgeMs ?? limits.headersTimeoutMs,
  })
  serveHub(server, app, guard, limits, logger)
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new GridcoreError(
            'CONFIG',
            `port ${port} on ${host} is already in use: stop what holds it or pass --bind ${host}:<another port>`,
          ),
        )
      } else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
        reject(
          new GridcoreError(
            'CONFIG',
            `cannot listen on ${bind} (${err.code}): pass --bind with an address of this machine`,
          ),
        )
      } else reject(err)
    })
    server.listen(port, host, () => {
      // Once listening, a server error (e.g. EMFILE on accept) is logged; it never ends the process.
      server.on('error', (err) => logger.error(`server error: ${err.message}`))
      const addr = server.address() as AddressInfo
      const shownHost =
        host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
      resolve({
        server,
        guard,
        port: addr.port,
        url: `http://${shownHost}:${addr.port}`,
        close: () =>
          new Promise<void>((res) => {
            guard.close()
            server.close(() => res())
            server.closeAllConnections()
          }),
      })
    })
  })
}
