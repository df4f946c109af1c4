// The hub's sockets: one request adapter (serve.ts) on a node:http server, or on a node:https server behind the
// TLS port's first-byte dispatch (tls-listen.ts), with the same bounded header time, body time and unproven
// connections either way.
import { createServer, type Server, type ServerOptions } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { Logger } from '../lib/logger.js'
import type { HubApp } from './app.js'
import { bindServer, parseBind, shownHost } from './bind.js'
import { ConnectionGuard, DEFAULT_GUARD_LIMITS, type GuardLimits } from './guard.js'
import { DEFAULT_SERVE_LIMITS, type ServeLimits, serveHub } from './serve.js'
import { listenTls } from './tls-listen.js'

export interface ListenLimits extends ServeLimits, GuardLimits {
  /** Time a client has to send a complete request head (then 408 and close); also its TLS handshake's. */
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

/** What the hub serves HTTPS with: its certificate chain and key, and the cluster CA it hands out at /ca.pem. */
export interface HubTls {
  cert: string
  key: string
  caCert: string
}

export interface Listening {
  /** The server requests reach (node:http, or node:https behind the TLS port). */
  server: Server
  /** Base URL clients should use, e.g. http://127.0.0.1:8080 or https://10.0.0.5:8443 */
  url: string
  port: number
  guard: ConnectionGuard
  close(): Promise<void>
}

/** Serves the hub app on `bind`: HTTPS (plus the plain GET /ca.pem) when `tls` is given, else plain HTTP. */
export async function listen(
  app: HubApp,
  bind: string,
  logger: Logger,
  overrides: Partial<ListenLimits> = {},
  tls?: HubTls,
): Promise<Listening> {
  const limits = { ...DEFAULT_LIMITS, ...overrides }
  const options: ServerOptions = {
    // hyper serves HTTP/1.0 and requests without Host; so does the hub.
    requireHostHeader: false,
    headersTimeout: limits.headersTimeoutMs,
    // A backstop over the app's own body timer.
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000,
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  }
  const server: Server = tls
    ? createHttpsServer({
        ...options,
        cert: tls.cert,
        key: tls.key,
        minVersion: 'TLSv1.2',
        handshakeTimeout: limits.headersTimeoutMs,
      })
    : createServer(options)
  const guard = new ConnectionGuard({
    ...limits,
    maxUnprovenAgeMs: overrides.maxUnprovenAgeMs ?? limits.headersTimeoutMs,
  })
  serveHub(server, app, guard, limits, logger)
  const closeServer = () =>
    new Promise<void>((res) => {
      guard.close()
      server.close(() => res())
      server.closeAllConnections()
    })
  if (tls) {
    const tlsPort = await listenTls(server as HttpsServer, bind, {
      caCert: tls.caCert,
      firstByteTimeoutMs: limits.headersTimeoutMs,
      maxConnections: limits.maxConnections,
      logger,
    })
    return {
      server,
      guard,
      port: tlsPort.port,
      url: `https://${shownHost(parseBind(bind).host)}:${tlsPort.port}`,
      close: async () => {
        guard.close()
        await tlsPort.close()
      },
    }
  }
  server.maxConnections = limits.maxConnections
  const port = await bindServer(server, bind, logger)
  return {
    server,
    guard,
    port,
    url: `http://${shownHost(parseBind(bind).host)}:${port}`,
    close: closeServer,
  }
}
