// Bind addresses (HOST:PORT) as the hub reads them, and listening on one with errors that say what to change.
import type { AddressInfo, Server as NetServer } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import type { Logger } from '../lib/logger.js'

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

/** The host clients use for a bind host: loopback for a wildcard, IPv6 in brackets. */
export function shownHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
}

/** One line for a socket that cannot listen: busy port, foreign address, no permission. */
export function listenError(err: NodeJS.ErrnoException, bind: string): Error {
  const { host, port } = parseBind(bind)
  if (err.code === 'EADDRINUSE') {
    return new GridcoreError(
      'CONFIG',
      `port ${port} on ${host} is already in use: stop what holds it or pass --bind ${host}:<another port>`,
    )
  }
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'EACCES') {
    return new GridcoreError(
      'CONFIG',
      `cannot listen on ${bind} (${err.code}): pass --bind with an address of this machine`,
    )
  }
  return err
}

/** Listens on `server` (plain or the TLS port's outer server); once up, a server error is logged, never thrown. */
export function bindServer(server: NetServer, bind: string, logger?: Logger): Promise<number> {
  const { host, port } = parseBind(bind)
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, bind)))
    server.listen(port, host, () => {
      // e.g. EMFILE on accept: logged; it never ends the process.
      server.on('error', (err) => logger?.error(`server error: ${err.message}`))
      resolve((server.address() as AddressInfo).port)
    })
  })
}
