// The hub's HTTPS socket: one port that hands TLS to the hub's https server and answers plain HTTP with one route,
// GET /ca.pem, so a joiner can fetch the CA (checked against its pinned fingerprint) before it trusts anything.
import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import { createServer as createNetServer, type Server, type Socket } from 'node:net'
import type { Logger } from '../lib/logger.js'
import { bindServer } from './bind.js'

export interface TlsPortOptions {
  /** The cluster CA certificate, PEM: served as /ca.pem. */
  caCert: string
  /** How long a new connection may stay silent before its first byte (default 10 s). */
  firstByteTimeoutMs?: number
  /** Connections kept open in total on this port; more are closed at once (default: no cap). */
  maxConnections?: number
  logger?: Logger
}

export interface TlsPort {
  /** The listening socket (it dispatches each connection by its first byte). */
  server: Server
  port: number
  /** Stops listening and cuts every connection, TLS and plain. */
  close(): Promise<void>
}

const TLS_HANDSHAKE = 0x16
const PLAIN_REFUSAL = 'this port speaks HTTPS: use https:// (GET /ca.pem is the only plain-HTTP route)\n'
/** The answer to bytes that are neither TLS nor HTTP. */
const PLAIN_400 = `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${PLAIN_REFUSAL.length}\r\nconnection: close\r\n\r\n${PLAIN_REFUSAL}`

/**
 * Listens on `bind`: connections that open with a TLS handshake go to `https` (made with the certificate and its
 * request handling by the caller), the rest to a plain server that knows GET /ca.pem only.
 */
export async function listenTls(https: HttpsServer, bind: string, o: TlsPortOptions): Promise<TlsPort> {
  https.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    socket.destroy()
    if (err.code !== 'ECONNRESET') o.logger?.warn(`TLS handshake failed: ${err.message}`)
  })
  const plain = createHttpServer(caRoute(o.caCert))
  plain.headersTimeout = plain.requestTimeout = 10_000
  plain.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end(PLAIN_400)
    else socket.destroy()
  })

  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => {}) // a peer reset before its first byte is not our failure
    socket.setTimeout(o.firstByteTimeoutMs ?? 10_000, () => socket.destroy())
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0)
      socket.pause()
      socket.unshift(first)
      // Both servers read what was unshifted before any later bytes: the TLS wrapper drains the socket's buffer
      // at once, and the HTTP parser gets it from the resume below, in the same tick as the hand-over.
      ;(first[0] === TLS_HANDSHAKE ? https : plain).emit('connection', socket)
      process.nextTick(() => socket.resume())
    })
  })
  if (o.maxConnections !== undefined) server.maxConnections = o.maxConnections
  const port = await bindServer(server, bind, o.logger)
  return {
    server,
    port,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res())
        for (const s of sockets) s.destroy()
        https.closeAllConnections()
        plain.closeAllConnections()
      }),
  }
}

/** The plain-HTTP side: the CA certificate (public; its fingerprint is what joiners check) and nothing else. */
function caRoute(caCert: string): RequestListener {
  return (req: IncomingMessage, res) => {
    const path = (req.url ?? '').split('?')[0]
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/ca.pem') {
      res.writeHead(200, {
        'content-type': 'application/x-pem-file',
        'content-length': Buffer.byteLength(caCert),
        'cache-control': 'no-cache',
        connection: 'close',
      })
      res.end(req.method === 'HEAD' ? undefined : caCert)
      return
    }
    res.writeHead(400, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(PLAIN_REFUSAL),
      connection: 'close',
    })
    res.end(PLAIN_REFUSAL)
  }
}
