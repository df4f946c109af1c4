// The only file that opens a socket for the hub: adapts node:http to the request -> response app.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'
import type { HubRequest, HubResponse } from './app.js'

const MAX_BODY = 2 * 1024 * 1024 // axum's default body limit

export interface Listening {
  server: Server
  /** Base URL clients should use, e.g. http://127.0.0.1:8080 */
  url: string
  port: number
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
  app: (req: HubRequest) => HubResponse,
  bind: string,
  logger: Logger,
): Promise<Listening> {
  const { host, port } = parseBind(bind)
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        res.writeHead(413).end('length limit exceeded')
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (res.writableEnded) return
      const url = new URL(req.url ?? '/', 'http://hub')
      const headers: Record<string, string | undefined> = {}
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v
      let out: HubResponse
      try {
        out = app({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers,
          body: Buffer.concat(chunks).toString('utf8'),
        })
      } catch (err) {
        logger.error(`request failed: ${(err as Error).message}`, { method: req.method, path: url.pathname })
        out = {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: 'Internal Server Error',
        }
      }
      res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) })
      res.end(req.method === 'HEAD' ? undefined : out.body)
    })
  })
  server.keepAliveTimeout = 65_000
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
      const addr = server.address() as AddressInfo
      const shownHost =
        host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
      resolve({
        server,
        port: addr.port,
        url: `http://${shownHost}:${addr.port}`,
        close: () =>
          new Promise<void>((res) => {
            server.close(() => res())
            server.closeAllConnections()
          }),
      })
    })
  })
}
