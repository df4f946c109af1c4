// The hub's HTTPS port over real sockets: TLS verified by the cluster CA, plain GET /ca.pem, 400 for anything
// else in plain text, clients without the CA refused, garbage survived.
import { randomBytes } from 'node:crypto'
import type { RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { Agent, fetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listenTls, type TlsPort } from '../../src/hub/tls-listen.js'
import { GridcoreError } from '../../src/lib/errors.js'
import { fetchPinnedCa } from '../../src/net/pin.js'
import { pinnedAgent } from '../../src/net/tls-clients.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let tls: TestTls
let other: TestTls
let hub: TlsPort & { url: string }
let seen = 0

/** The TLS port over an https server of `handler` (the hub passes its own, with the request adapter on it). */
async function serve(handler: RequestListener, bind: string, firstByteTimeoutMs?: number) {
  const https = createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
  const port = await listenTls(https, bind, { caCert: tls.caPem, firstByteTimeoutMs })
  return { ...port, url: `https://127.0.0.1:${port.port}` }
}

beforeAll(async () => {
  tls = await makeTestTls(`${dir}/a`)
  other = await makeTestTls(`${dir}/b`)
  hub = await serve(
    (req, res) => {
      seen++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }))
    },
    '127.0.0.1:0',
    2_000,
  )
})
afterAll(() => hub?.close())

/** Sends raw bytes on a fresh plain connection and returns everything the server sent before closing. */
function raw(port: number, chunks: (string | Buffer)[], gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    s.on('data', (d) => {
      out += d.toString('latin1')
    })
    s.on('error', reject)
    s.on('close', () => resolve(out))
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c)
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs))
      }
    })
  })
}

/** A relay that sends the first byte a client writes on its own, then the rest 50 ms later. */
async function splittingRelay(target: number): Promise<Server> {
  const relay = createServer((client: Socket) => {
    const up = connect(target, '127.0.0.1')
    let first = true
    client.on('data', (d: Buffer) => {
      if (!first) return void up.write(d)
      first = false
      up.write(d.subarray(0, 1))
      client.pause()
      setTimeout(() => {
        up.write(d.subarray(1))
        client.resume()
      }, 50)
    })
    up.pipe(client)
    client.on('close', () => up.destroy())
    up.on('close', () => client.destroy())
    client.on('error', () => {})
    up.on('error', () => {})
  })
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))
  return relay
}

describe('listenTls', () => {
  it('answers HTTPS to a client that trusts the cluster CA, by IP and by the name localhost', async () => {
    expect(hub.url).toBe(`https://127.0.0.1:${hub.port}`)
    const agent = pinnedAgent(tls.caPem)
    try {
      for (const base of [hub.url, `https://localhost:${hub.port}`]) {
        const res = await fetch(`${base}/api/tasks?x=1`, { dispatcher: agent })
        expect(res.status).toBe(200)
        expect(await res.json()).toEqual({ path: '/api/tasks?x=1' })
      }
    } finally {
      await agent.close()
    }
  })

  it('serves the CA on plain GET /ca.pem, which fetchPinnedCa accepts with the right fingerprint', async () => {
    const pinned = await fetchPinnedCa('127.0.0.1', hub.port, tls.fingerprint)
    expect(pinned).toEqual({ pem: tls.caPem, fingerprint: tls.fingerprint })
    const head = await raw(hub.port, ['HEAD /ca.pem HTTP/1.1\r\nHost: x\r\n\r\n'])
    expect(head).toMatch(/^HTTP\/1\.1 200 OK/)
    expect(head).toContain('content-type: application/x-pem-file')
  })

  it('refuses a CA whose fingerprint is not the pinned one, naming both in one line', async () => {
    const err = await fetchPinnedCa('127.0.0.1', hub.port, other.fingerprint).catch((e) => e)
    expect(err).toBeInstanceOf(GridcoreError)
    expect(err.code).toBe('HUB_AUTH')
    expect(err.message).toBe(
      `the hub at 127.0.0.1:${hub.port} presents CA ${tls.fingerprint} but the join string pins ${other.fingerprint}: ask the cluster owner for a fresh join string`,
    )
  })

  it('answers any other plain request with 400 "this port speaks HTTPS" and never reaches the handler', async () => {
    const before = seen
    for (const req of [
      'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /ca.pem HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n',
      'GET /ca.pem/../api/tasks HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const out = await raw(hub.port, [req])
      expect(out).toMatch(/^HTTP\/1\.1 400 Bad Request/)
      expect(out).toContain('this port speaks HTTPS')
    }
    const res = await fetch(`http://127.0.0.1:${hub.port}/api/tasks`)
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/^this port speaks HTTPS/)
    expect(seen).toBe(before)
  })

  it('is refused by TLS clients that do not trust the cluster CA', async () => {
    for (const agent of [new Agent(), pinnedAgent(other.caPem)]) {
      const err = await fetch(`${hub.url}/health`, { dispatcher: agent }).catch((e) => e)
      await agent.close()
      expect(err).toBeInstanceOf(Error)
      expect(String(err.cause?.code ?? err.cause)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/)
    }
    // And a certificate for 127.0.0.1 does not pass for another name.
    const err = await new Promise<Error>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: hub.port, ca: tls.caPem, servername: 'evil.example' })
      s.on('secureConnect', () => resolve(new Error('connected')))
      s.on('error', resolve)
    })
    expect((err as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('survives garbage, silence and resets, and still serves afterwards', async () => {
    expect(await raw(hub.port, [randomBytes(4096)])).toMatch(/^(HTTP\/1\.1 400|)/)
    expect(await raw(hub.port, [Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]), randomBytes(512)])).not.toMatch(
      /^HTTP/,
    )
    expect(await raw(hub.port, ['\r\n\r\n\u0000\u0001garbage\r\n\r\n'])).toMatch(/^HTTP\/1\.1 400/)
    // Silent connections are closed after the first-byte timeout.
    const t0 = Date.now()
    expect(await raw(hub.port, [])).toBe('')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500)
    // Reset right after connecting.
    await new Promise<void>((r) => {
      const s = connect(hub.port, '127.0.0.1', () => {
        s.resetAndDestroy()
        r()
      })
    })
    const agent = pinnedAgent(tls.caPem)
    const res = await fetch(`${hub.url}/still`, { dispatcher: agent })
    expect(res.status).toBe(200)
    await agent.close()
  })

  it('reads a first byte that arrives alone, for TLS and for plain HTTP', async () => {
    const relay = await splittingRelay(hub.port)
    const port = (relay.address() as { port: number }).port
    try {
      expect(await raw(port, ['GET /ca.pem HTTP/1.1\r\nHost: x\r\n\r\n'])).toContain('BEGIN CERTIFICATE')
      const agent = pinnedAgent(tls.caPem)
      const res = await fetch(`https://127.0.0.1:${port}/split`, { dispatcher: agent })
      expect(await res.json()).toEqual({ path: '/split' })
      await agent.close()
    } finally {
      relay.close()
    }
  })

  it('refuses a busy port in one line, and close() ends open keep-alive connections at once', async () => {
    const err = await serve(() => {}, `127.0.0.1:${hub.port}`).catch((e) => e)
    expect(err).toBeInstanceOf(GridcoreError)
    expect(err.message).toMatch(/already in use/)

    const second = await serve((_q, s) => s.end('ok'), '127.0.0.1:0')
    const agent = pinnedAgent(tls.caPem)
    expect(await (await fetch(`${second.url}/`, { dispatcher: agent })).text()).toBe('ok')
    const idle = connect(second.port, '127.0.0.1') // a connection still in its first-byte wait
    await new Promise((r) => idle.once('connect', r))
    const t0 = Date.now()
    await second.close()
    expect(Date.now() - t0).toBeLessThan(1_000)
    await agent.close()
    idle.destroy()
  })
})
