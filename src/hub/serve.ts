// The one request adapter of the hub's plain and TLS servers: the head decides first (no body read before the
// token), bodies are capped in size and time, malformed requests get their 4xx, and nothing a client sends can
// throw out of here.
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from '../lib/logger.js'
import type { HubApp } from './app.js'
import { tooLarge } from './body.js'
import type { ConnectionGuard } from './guard.js'
import { type HubResponse, text } from './response.js'

export interface ServeLimits {
  /** Time an authorized request's body may take once its head is in (then 408 and close). */
  bodyTimeoutMs: number
  /** How long a closing connection may still send before it is cut. */
  closeGraceMs: number
}

export const DEFAULT_SERVE_LIMITS: ServeLimits = { bodyTimeoutMs: 10_000, closeGraceMs: 1_000 }

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)

/**
 * The TCP socket under a request's socket: the guard admits connections as 'connection' sees them, which on an
 * https server is the raw socket a TLS socket wraps (node keeps it as `_parent`).
 */
const transport = (s: Socket): Socket => (s as Socket & { _parent?: Socket })._parent ?? s

/** True when the client announced a body (and so may still be sending it). */
function announcesBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0
}

/** Installs the request, 100-continue and error handlers on `server`. */
export function serveHub(
  server: Server,
  app: HubApp,
  guard: ConnectionGuard,
  limits: ServeLimits,
  logger: Logger,
) {
  const cutLater = (socket: Socket) => {
    if (socket.destroyed) return
    setTimeout(() => socket.destroy(), limits.closeGraceMs).unref()
  }

  const send = (req: IncomingMessage, res: ServerResponse, out: HubResponse, close: boolean) => {
    if (res.headersSent || res.destroyed) return
    const headers: Record<string, string | number> = { ...out.headers }
    headers['content-length'] ??= Buffer.byteLength(out.body)
    if (close) {
      headers.connection = 'close'
      res.once('finish', () => cutLater(req.socket))
    }
    res.writeHead(out.status, headers)
    res.end(req.method === 'HEAD' ? undefined : out.body)
  }

  const handle = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    res.on('error', () => {})
    req.on('error', () => {})
    const began = process.hrtime.bigint()
    let route = '(invalid)'
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - began) / 1e9
      app.metrics.recordRequest(req.method ?? 'GET', route, res.statusCode, seconds)
    })
    try {
      const remote = transport(req.socket).remoteAddress
      const decision = app.decide({
        method: req.method ?? 'GET',
        target: req.url ?? '',
        header: (name) => first(req.headers[name]),
        ...(remote ? { remote: remote.replace(/^::ffff:/, '') } : {}),
      })
      route = decision.route
      if (decision.kind === 'respond') {
        if (decision.authorized) guard.prove(transport(req.socket))
        // A client without the token, or one whose body is left unread, does not keep its connection.
        send(req, res, decision.response, !decision.authorized || announcesBody(req))
        return
      }
      guard.prove(transport(req.socket))
      if (decision.kind === 'hold') {
        // A long poll: answered when its answer changes or its wait ends; at once when the client goes away.
        const gone = new AbortController()
        res.once('close', () => gone.abort())
        decision
          .wait(gone.signal)
          .then((out) => send(req, res, out, announcesBody(req)))
          .catch((err) => fail(req, res, err))
        return
      }
      const announced = Number(req.headers['content-length'] ?? 0)
      if (announced > decision.limit) return send(req, res, text(413, tooLarge().message), true)
      if (expectsContinue) res.writeContinue()
      readBody(req, decision.limit, limits.bodyTimeoutMs, (outcome) => {
        try {
          if (outcome === 'aborted') return
          if (outcome === 'too-large') return send(req, res, text(413, tooLarge().message), true)
          if (outcome === 'timeout') {
            const secs = limits.bodyTimeoutMs / 1000
            return send(req, res, text(408, `The request body did not arrive within ${secs} s`), true)
          }
          send(req, res, decision.handle(outcome), false)
        } catch (err) {
          fail(req, res, err)
        }
      })
    } catch (err) {
      fail(req, res, err)
    }
  }

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown) => {
    logger.error(`request failed: ${(err as Error)?.message ?? String(err)}`, { method: req.method })
    send(req, res, text(500, 'Internal Server Error'), true)
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => handle(req, res, false))
  // Expect: 100-continue: the token and route are checked before the client is told to send its body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handle(req, res, true))
  server.on('connection', (socket: Socket) => guard.admit(socket))
  // Requests node:http cannot parse (bad request line, headers too large, header timeout): answer and close.
  // Sockets answered here: the parser may report the same request again, and destroying then would drop the answer
  // still being flushed (a TLS socket encrypts and writes it later); the grace timer closes them.
  const answered = new WeakSet<Socket>()
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket)) return
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage
    if (!socket.writable || err.code === 'ECONNRESET' || inFlight?.headersSent) {
      socket.destroy()
      return
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    answered.add(socket)
    app.metrics.recordRequest('OTHER', '(invalid)', status, 0)
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
    cutLater(socket)
  })
}

type BodyOutcome = Uint8Array | 'too-large' | 'timeout' | 'aborted'

/** Reads a body of at most `limit` bytes within `timeoutMs`; calls `done` once. */
function readBody(req: IncomingMessage, limit: number, timeoutMs: number, done: (o: BodyOutcome) => void) {
  const chunks: Buffer[] = []
  let size = 0
  let settled = false
  const settle = (o: BodyOutcome) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    req.removeListener('data', onData)
    if (typeof o === 'string') req.pause()
    done(o)
  }
  const timer = setTimeout(() => settle('timeout'), timeoutMs)
  const onData = (c: Buffer) => {
    size += c.length
    if (size > limit) settle('too-large')
    else chunks.push(c)
  }
  req.on('data', onData)
  req.on('end', () => settle(Buffer.concat(chunks, size)))
  req.on('error', () => settle('aborted'))
  req.on('close', () => {
    if (!req.complete) settle('aborted')
  })
}
