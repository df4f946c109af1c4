// fetchPinnedCa against real loopback servers: every way a "hub" can be wrong gives one line and its code.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GridcoreError } from '../../src/lib/errors.js'
import { caFingerprint } from '../../src/net/fingerprint.js'
import { fetchPinnedCa } from '../../src/net/pin.js'
import { freePort } from '../helpers/ports.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let tls: TestTls
const servers: Server[] = []
beforeAll(async () => {
  tls = await makeTestTls(dir)
})
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
})

async function serve(handler: RequestListener): Promise<number> {
  const s = createServer(handler)
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return (s.address() as { port: number }).port
}

async function refusal(p: Promise<unknown>): Promise<GridcoreError> {
  const err = await p.then(
    () => new Error('accepted'),
    (e) => e,
  )
  expect(err).toBeInstanceOf(GridcoreError)
  expect(err.message).not.toContain('\n')
  return err as GridcoreError
}

describe('fetchPinnedCa', () => {
  it('accepts the pinned CA whatever the case of the pin', async () => {
    const port = await serve((_q, s) => s.end(tls.caPem))
    const got = await fetchPinnedCa(
      '127.0.0.1',
      port,
      tls.fingerprint.toUpperCase().replace('SHA256', 'sha256'),
    )
    expect(got.pem).toBe(tls.caPem)
    expect(got.fingerprint).toBe(tls.fingerprint)
  })

  it('says HUB_UNREACHABLE when nothing listens, naming the URL', async () => {
    const port = await freePort()
    const err = await refusal(fetchPinnedCa('127.0.0.1', port, tls.fingerprint))
    expect(err.code).toBe('HUB_UNREACHABLE')
    expect(err.message).toMatch(new RegExp(`http://127\\.0\\.0\\.1:${port}/ca\\.pem \\(ECONNREFUSED\\)`))
  })

  it('gives up on a server that never answers', async () => {
    const port = await serve(() => {})
    const err = await refusal(fetchPinnedCa('127.0.0.1', port, tls.fingerprint, { timeoutMs: 300 }))
    expect(err.code).toBe('HUB_UNREACHABLE')
    expect(err.message).toMatch(/no answer within 300 ms/)
  })

  it('says HUB_BAD_RESPONSE for a server that is no TLS hub, or sends no certificate, or too much', async () => {
    const notFound = await serve((_q, s) => s.writeHead(404).end('Not Found'))
    expect((await refusal(fetchPinnedCa('127.0.0.1', notFound, tls.fingerprint))).message).toMatch(
      /answered 404 to GET \/ca\.pem: .*insecure=1/,
    )
    const html = await serve((_q, s) => s.end('<html>hello</html>'))
    const e2 = await refusal(fetchPinnedCa('127.0.0.1', html, tls.fingerprint))
    expect(e2.code).toBe('HUB_BAD_RESPONSE')
    expect(e2.message).toMatch(/not a PEM certificate/)
    const huge = await serve((_q, s) => s.end('x'.repeat(200_000)))
    expect((await refusal(fetchPinnedCa('127.0.0.1', huge, tls.fingerprint))).message).toMatch(
      /more than 65536/,
    )
  })

  it('refuses a certificate that matches the pin but is no CA', async () => {
    const port = await serve((_q, s) => s.end(tls.cert))
    const err = await refusal(fetchPinnedCa('127.0.0.1', port, caFingerprint(tls.cert)))
    expect(err.message).toMatch(/matches the pin but is not a CA certificate/)
  })

  it('refuses a pin that is not a fingerprint before any network', async () => {
    const err = await refusal(fetchPinnedCa('127.0.0.1', 1, 'sha256:abc'))
    expect(err.code).toBe('USAGE')
  })
})

describe('the source', () => {
  it('never turns certificate verification off', () => {
    const root = fileURLToPath(new URL('../../src', import.meta.url))
    const files: string[] = []
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith('.ts')) files.push(p)
      }
    }
    walk(root)
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      expect(text, f).not.toMatch(/rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/)
    }
  })
})
