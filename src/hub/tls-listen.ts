// The hub's HTTPS socket: one port that answers TLS with the request handler and plain HTTP with one route,
// GET /ca.pem, so a joiner can fetch the CA (checked against its pinned fingerprint) before it trusts anything.
import { createServer as createHttpServer, type IncomingMessage, type RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import { parseBind } from './listen.js'

export interface TlsListenOptions {
  /** Server certificate chain, PEM. */
  cert: string
  /** Server private key, PEM. */
  key: string
  /** The cluster CA certificate, PEM: served as /ca.pem. */
  caCert: string
  /** How long a new connection may stay silent before its first byte (default 10 s). */
  firstByteTimeoutMs?: number
}

export interface TlsListening {
  server: Server
  /** Base URL clients should use, e.g. https://10.0.0.5:8443 */
  url: string
  port: number
  close(): Promise<void>
}

const TLS_HANDSHAKE = 0x16
const PLAIN_REFUSAL = 'this port speaks HTTPS: use https:// (GET /ca.pem is the only plain-HTTP route)\n'
/** The answer to bytes that are neither TLS nor HTTP. */
const PLAIN_400 = `HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${PLAIN_REFUSAL.length}\r\nconnection: close\r\n\r\n${PLAIN_REFUSAL}`

export function listenTls(
  handler: RequestListener,
  bind: string,
  tls: TlsListenOptions,
  logger?: Logger,
): Promise<TlsListening> {
  const { host, port } = parseBind(bind)
  const https = createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler)
  https.keepAliveTimeout = 65_000
  https.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    socket.destroy()
    if (err.code !== 'ECONNRESET') logger?.warn(`TLS handshake failed: ${err.message}`)
  })
  const plain = createHttpServer(caRoute(tls.caCert))
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
    socket.setTimeout(tls.firstByteTimeoutMs ?? 10_000, () => socket.destroy())
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

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, bind)))
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo
      const shownHost =
        host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
      resolve({
        server,
        port: addr.port,
        url: `https://${shownHost}:${addr.port}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res())
            for (const s of sockets) s.destroy()
            https.closeAllConnections()
            plain.closeAllConnections()
          }),
      })
    })
  })
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

function listenError(err: NodeJS.ErrnoException, host: string, port: number, bind: string): Error {
  if (err.code === 'EADDRINUSE') {
    return new GridcoreError(
      'CONFIG',
      `port ${port} on ${host} is already in use: stop what holds it or pass --bind ${host}:<another port>`,
    )
  }
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
    return new GridcoreError(
      'CONFIG',
      `cannot listen on ${bind} (${err.code}): pass --listen with an address of this machine`,
    )
  }
  return err
}
