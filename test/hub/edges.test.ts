// No request of any shape ends a real `gridcore hub start` process: raw-socket fuzz of request lines, headers, bodies,
// over plain HTTP and over its HTTPS port (the same request adapter behind TLS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, hold, raw, startHubProcess, TOKEN } from './process.js'

const dir = tempDir()
let tls: TestTls
beforeAll(async () => {
  tls = await makeTestTls(`${dir}/tls`)
})

const AUTH = `Authorization: Bearer ${TOKEN}\r\n`
const req = (method: string, target: string, headers = '', body = '') =>
  `${method} ${target} HTTP/1.1\r\nHost: hub\r\n${headers}${body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`
const task = JSON.stringify({ name: 'edge', image: 'img' })

type Case = [
  label: string,
  bytes: string | Buffer | (string | Buffer)[],
  /** The first response's status (null: any, or none). */
  status: number | number[] | null,
  how?: {
    /** Read until the hub closes (pipelined input), not just the first response. */
    untilClose?: boolean
    /** Close our side once everything is written. */
    end?: boolean
  },
]
const CASES: Case[] = [
  ["absolute-form target 'http://['", req('GET', 'http://['), 400],
  ["absolute-form target 'http://[' on a protected route", req('POST', 'http://[', AUTH, task), 400],
  ["target '//'", req('GET', '//'), 404],
  ["target '*'", req('GET', '*'), [400, 404]],
  ['OPTIONS *', req('OPTIONS', '*'), [400, 404]],
  ['absolute-form URL without a token', req('GET', 'http://x/api/tasks'), 401],
  ['absolute-form URL with the token', req('GET', 'http://x/api/tasks', AUTH), 200],
  ['absolute-form URL with a query', req('GET', 'http://x/gridnode/task?platform=linux/arm64', AUTH), 200],
  ["target '%'", req('GET', '%'), 400],
  ["target '%zz'", req('GET', '%zz'), 400],
  ["target '/%zz'", req('GET', '/%zz'), 404],
  ["target '/%E0%A4%A'", req('GET', '/%E0%A4%A'), 404],
  ['bad percent-encoding in a node id', req('POST', '/api/nodes/%zz/stop', AUTH), 404],
  ['invalid UTF-8 in a node id', req('POST', '/api/nodes/%E0%A4%A/stop', AUTH), 400],
  ['a lone % in a node id', req('POST', '/api/nodes/%/stop', AUTH), 404],
  [
    'bad percent-encoding in the query',
    req('GET', '/gridnode/task?platform=%zz&node_id=%E0%A4%A', AUTH),
    200,
  ],
  ['a query of only escapes', req('GET', '/api/tasks?%zz=%&&=&%', AUTH), 200],
  ['a long path', req('GET', `/${'a'.repeat(12_000)}`), [404, 431]],
  ['a very long path', req('GET', `/${'a'.repeat(200_000)}`), [414, 431, 400]],
  ['a very long query', req('GET', `/gridnode/task?platform=${'%zz'.repeat(50_000)}`, AUTH), [431, 400]],
  ['an unknown method', req('FOO', '/health'), [400, 405]],
  ['a lower-case method', req('get', '/health'), [400, 405]],
  ['DELETE on a route', req('DELETE', '/api/tasks'), 405],
  ['CONNECT', 'CONNECT hub:443 HTTP/1.1\r\nHost: hub:443\r\n\r\n', null],
  ['an HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', null],
  ['not HTTP at all', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage', null],
  ['a huge header', req('GET', '/health', `X-Big: ${'a'.repeat(40_000)}\r\n`), 431],
  ['thousands of headers', req('GET', '/health', 'X-A: b\r\n'.repeat(5_000)), 431],
  [
    'a huge Authorization header',
    req('GET', '/api/tasks', `Authorization: Bearer ${'x'.repeat(15_000)}\r\n`),
    401,
  ],
  [
    'two Authorization headers, wrong first',
    req('GET', '/api/tasks', `Authorization: Bearer wrong\r\n${AUTH}`),
    401,
  ],
  [
    'two Authorization headers, right first',
    req('GET', '/api/tasks', `${AUTH}Authorization: Bearer x\r\n`),
    200,
  ],
  ['Authorization with no token', req('GET', '/api/tasks', 'Authorization: Bearer\r\n'), 401],
  ['Authorization with an empty token', req('GET', '/api/tasks', 'Authorization: Bearer \r\n'), 401],
  ['lower-case bearer', req('GET', '/api/tasks', `Authorization: bearer ${TOKEN}\r\n`), 401],
  [
    'Authorization with Latin-1 bytes',
    Buffer.from(req('GET', '/api/tasks', 'Authorization: Bearer \xff\xfe\r\n'), 'latin1'),
    401,
  ],
  ['Authorization with a NUL byte', req('GET', '/api/tasks', `Authorization: Bearer ${TOKEN}\x00\r\n`), 400],
  ['a header without a colon', req('GET', '/health', 'NoColon\r\n'), 400],
  [
    'Content-Length and Transfer-Encoding together',
    req(
      'POST',
      '/api/tasks',
      `${AUTH}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n`,
      task,
    ),
    400,
  ],
  [
    'two different Content-Lengths',
    req('POST', '/api/tasks', `${AUTH}Content-Length: 3\r\nContent-Length: 4\r\n`),
    400,
  ],
  ['a negative Content-Length', req('POST', '/api/tasks', `${AUTH}Content-Length: -1\r\n`), 400],
  [
    'broken chunked encoding',
    req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n`) +
      'zz\r\nabc\r\n',
    [400],
  ],
  [
    'a body over the limit, announced',
    req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nContent-Length: 3000000\r\n`),
    413,
  ],
  [
    'a body over the limit, announced, without a token',
    req('POST', '/api/tasks', 'Content-Length: 3000000\r\n'),
    401,
  ],
  [
    'a chunked body over the limit',
    [
      req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n`),
      ...Array.from({ length: 5 }, () => `80000\r\n${'a'.repeat(0x80000)}\r\n`),
    ],
    413,
  ],
  [
    'a body that is not UTF-8',
    Buffer.concat([
      Buffer.from(
        req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nContent-Length: 13\r\n`),
      ),
      Buffer.from('{"name":"\xff\xfe"}', 'latin1'),
    ]),
    400,
  ],
  [
    'deeply nested JSON',
    req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\n`, '['.repeat(500_000)),
    400,
  ],
  [
    'JSON nested in a field',
    req(
      'POST',
      '/api/tasks',
      `${AUTH}Content-Type: application/json\r\n`,
      `{"name":"n","images":${'{"a":'.repeat(300_000)}`,
    ),
    400,
  ],
  [
    'a truncated body, then close',
    [
      req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nContent-Length: 100\r\n`),
      '{"name":',
    ],
    null,
    { end: true },
  ],
  [
    'a truncated body without a token, then close',
    [req('POST', '/api/tasks', 'Content-Length: 100\r\n'), '{"na'],
    401,
    { end: true },
  ],
  [
    'a request cut in the middle of the headers',
    'POST /api/tasks HTTP/1.1\r\nHost: hub\r\nContent-Le',
    null,
    { end: true },
  ],
  [
    'pipelined garbage after a request',
    `${req('GET', '/health')}\x00\x01\x02garbage\r\n\r\n`,
    200,
    { untilClose: true },
  ],
  [
    'pipelined garbage after an authorized request',
    `${req('GET', '/api/tasks', AUTH)}\x00garbage\r\n\r\n`,
    200,
    { untilClose: true },
  ],
  [
    'pipelined requests, the second malformed',
    `${req('GET', '/api/nodes', AUTH)}${req('GET', 'http://[')}`,
    200,
    { untilClose: true },
  ],
  ['a WebSocket upgrade', req('GET', '/health', 'Connection: Upgrade\r\nUpgrade: websocket\r\n'), null],
  ['a body on a GET route', req('GET', '/api/tasks', AUTH, 'x'.repeat(1000)), 200, { untilClose: true }],
  [
    'Expect: 100-continue without a token',
    req('POST', '/api/tasks', 'Expect: 100-continue\r\nContent-Length: 10\r\n'),
    401,
  ],
  ['an unknown Expect', req('POST', '/api/tasks', `${AUTH}Expect: teapot\r\nContent-Length: 2\r\n`), 417],
  ['HTTP/1.0 without Host', 'GET /health HTTP/1.0\r\n\r\n', 200],
  ['HTTP/9.9', 'GET /health HTTP/9.9\r\nHost: hub\r\n\r\n', [400, 505]],
  ['a bare LF request', 'GET /health HTTP/1.1\nHost: hub\n\n', [200, 400]],
  ['only CRLFs', '\r\n\r\n\r\n\r\n', null],
]

describe.each(['http', 'https'] as const)('over %s', (scheme) => {
  let hub: HubProcess
  beforeAll(async () => {
    hub = await startHubProcess(dir, `edges-${scheme}`, [], scheme === 'https' ? tls : undefined)
  })
  afterAll(async () => {
    await hub?.stop()
  })

  /** The same process still runs and answers /health with 200 OK. */
  async function stillHealthy(what: string) {
    expect(hub.child.exitCode, `hub exited after ${what}: ${hub.err()}`).toBeNull()
    const r = await hub.call('GET', '/health', undefined, false)
    expect(r.status, what).toBe(200)
    expect(r.text).toBe('OK')
  }

  describe('the hub process survives any request', () => {
    it.each(CASES)('%s', async (label, bytes, status, how = {}) => {
      const reply = await raw(hub.port, bytes, {
        ...hub.sock,
        waitMs: status === null ? 500 : 2_000,
        keepReading: how.untilClose,
        endAfter: how.end,
      })
      if (status !== null) {
        const allowed = Array.isArray(status) ? status : [status]
        expect(allowed, `${label}: ${reply.data.slice(0, 200)}`).toContain(reply.status)
      }
      await stillHealthy(label)
    })

    it('survives a socket closed at every byte of a request', async () => {
      const whole = req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\n`, task)
      for (let cut = 1; cut < whole.length; cut += 7) {
        await raw(hub.port, whole.slice(0, cut), { ...hub.sock, waitMs: 30, endAfter: true })
      }
      await stillHealthy('sockets cut mid-request')
    })

    it('answers a slow body with 408 and closes, and a slow header with a close', async () => {
      const slowBody = raw(
        hub.port,
        [
          req('POST', '/api/tasks', `${AUTH}Content-Type: application/json\r\nContent-Length: 200\r\n`),
          ...Array.from({ length: 40 }, () => ' '),
        ],
        { ...hub.sock, gapMs: 500, waitMs: 25_000, keepReading: true },
      )
      const slowHead = raw(
        hub.port,
        ['GET /health HTTP/1.1\r\n', ...Array.from({ length: 40 }, (_, i) => `X-${i}: y\r\n`)],
        { ...hub.sock, gapMs: 500, waitMs: 25_000, keepReading: true },
      )
      const [body, head] = await Promise.all([slowBody, slowHead])
      expect(body.status).toBe(408)
      expect(body.closed).toBe(true)
      expect(head.closed).toBe(true)
      expect([408, null]).toContain(head.status)
      await stillHealthy('slow bodies and headers')
    }, 40_000)

    it('reads the body after 100 Continue when the token is right', async () => {
      const head = req(
        'POST',
        '/api/tasks',
        `${AUTH}Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${task.length}\r\n`,
      )
      const reply = await raw(hub.port, [head, task], { ...hub.sock, gapMs: 300, waitMs: 3_000 })
      expect(reply.data).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /)
    })

    it('never printed a stack trace', () => {
      expect(hub.err()).not.toMatch(/\n\s+at /)
      expect(hub.err()).not.toContain(TOKEN)
    })
  })

  describe('connections that never finish', () => {
    it('does not let held-open connections starve /health', async () => {
      const socks = await Promise.all(
        Array.from({ length: 50 }, () =>
          hold(hub.port, 'GET /api/tasks HTTP/1.1\r\nHost: hub\r\n', hub.sock),
        ),
      )
      await stillHealthy('50 half-sent heads')
      for (const s of socks) s.destroy()
    })
  })

  describe('plain bytes on the port', () => {
    it('HTTPS serves the CA on plain GET /ca.pem (HTTP has no such route); both survive broken handshakes', async () => {
      const ca = await raw(hub.port, 'GET /ca.pem HTTP/1.1\r\nHost: hub\r\n\r\n', { keepReading: true })
      if (scheme === 'https') {
        expect(ca.status).toBe(200)
        expect(ca.data).toContain(tls.caPem.trim())
      } else expect(ca.status).toBe(404)
      for (const bytes of [
        req('GET', '/api/tasks', AUTH),
        Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]),
        Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff]), Buffer.alloc(2048, 0x41)]),
        '\x16',
      ]) {
        const r = await raw(hub.port, bytes, { waitMs: 1_000, endAfter: true })
        // Over HTTPS a plain request is refused (400); over HTTP it is served.
        if (scheme === 'https' && r.status !== null) expect(r.status).toBe(400)
        if (scheme === 'https') expect(r.data).not.toContain('"current"')
        await stillHealthy(`plain bytes ${JSON.stringify(bytes.toString('latin1').slice(0, 20))}`)
      }
    })
  })
})
