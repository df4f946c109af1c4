// The node's loopback Redis proxy against a real TLS-only redis-server: plain clients without a password (ioredis,
// redis-py, the upstream BRPOP consumer, the reliable consumer) work through it; failures reach them as RESP errors.
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/lib/logger.js'
import { redisTlsOptions } from '../../src/net/tls-options.js'
import { type RedisProxy, startRedisProxy } from '../../src/node/redis-proxy.js'
import { RedisProxyPool } from '../../src/node/redis-proxy-pool.js'
import { waitFor } from '../helpers/node.js'
import { freePort } from '../helpers/ports.js'
import { start, startConsumer } from '../helpers/procs.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'
import { tempDir } from '../helpers/tmp.js'

const UPSTREAM = fileURLToPath(new URL('../fixtures/upstream_consumer.py', import.meta.url))
const dir = tempDir()
let tls: TestTls
let redis: TlsRedis
let direct: Redis
let proxy: RedisProxy
const clients: Redis[] = []

beforeAll(async () => {
  tls = await makeTestTls(`${dir}/tls`)
  redis = await startTlsRedis({ dir, tls, port: await freePort() })
  direct = new Redis(redis.url(), redisTlsOptions(tls.caPem, redis.url()))
  proxy = await startRedisProxy({ url: redis.url(), caPem: tls.caPem, connectTimeoutMs: 3_000 })
})
afterAll(async () => {
  for (const c of clients) c.disconnect()
  direct?.disconnect()
  await proxy?.close()
  await redis?.stop()
})

function plain(url = proxy.url, extra: object = {}): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1, ...extra })
  c.on('error', () => {})
  clients.push(c)
  return c
}

/** Raw exchange with the proxy: its first reply line to `send` ('' when it closes or `ms` pass first). */
function exchange(port: number, send: string, ms = 5_000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    s.on('data', (d) => {
      out += d
      if (out.endsWith('\r\n')) s.destroy()
    })
    s.on('error', () => {})
    s.on('connect', () => s.write(send))
    s.on('close', () => resolve(out))
    setTimeout(() => s.destroy(), ms)
  })
}

describe('redis proxy', () => {
  it('gives a plain ioredis client without a password LPUSH and a blocking BRPOP', async () => {
    expect(proxy.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    const a = plain()
    const b = plain()
    const popped = b.brpop('px:q', 5)
    await new Promise((r) => setTimeout(r, 100))
    await a.lpush('px:q', 'hello')
    expect(await popped).toEqual(['px:q', 'hello'])
    await a.lpush('px:q2', 'x')
    expect(await direct.lrange('px:q2', 0, -1)).toEqual(['x'])
  })

  it('serves Python’s redis client and the upstream BRPOP consumer unchanged', async () => {
    const py = start('/usr/bin/python3', [
      '-c',
      `import redis; r = redis.from_url("${proxy.url}"); r.lpush("px:py", "a", "b"); print(r.rpop("px:py").decode(), r.ping())`,
    ])
    expect((await py.exited).code).toBe(0)
    expect(py.out().trim()).toBe('a True')
    const items = Array.from({ length: 200 }, (_, i) => String(i + 1))
    await direct.lpush('px:up:in', ...items)
    const up = start('/usr/bin/python3', [UPSTREAM], {
      INPUT_REDIS_URL: proxy.url,
      INPUT_QUEUE: 'px:up:in',
      OUTPUT_QUEUE: 'px:up:out',
    })
    expect((await up.exited).code, up.err()).toBe(0)
    const out = await direct.lrange('px:up:out', 0, -1)
    expect(out.map((l) => l.split(':')[0]).sort()).toEqual([...items].sort())
  })

  it('carries the reliable consumer protocol (Lua scripts, leases, commits) for 5,000 items', async () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `i${i}`)
    await direct.lpush('px:rel:in', ...items)
    const consumers = [0, 1].map((instance) =>
      startConsumer({
        url: proxy.url,
        input: 'px:rel:in',
        output: 'px:rel:out',
        instance,
        IDLE_EXIT_MS: 500,
      }),
    )
    for (const c of consumers) expect((await c.exited).code, c.err()).toBe(0)
    const out = await direct.lrange('px:rel:out', 0, -1)
    expect(out).toHaveLength(5_000)
    expect(new Set(out).size).toBe(5_000)
  })

  it('carries many concurrent connections and counts them', async () => {
    const before = proxy.stats()
    const many = Array.from({ length: 60 }, () => plain())
    await Promise.all(many.map((c, i) => c.incr('px:count').then(() => c.lpush('px:many', String(i)))))
    expect(await direct.get('px:count')).toBe('60')
    expect(await direct.llen('px:many')).toBe(60)
    const during = proxy.stats()
    expect(during.total - before.total).toBeGreaterThanOrEqual(60)
    expect(during.active).toBeGreaterThanOrEqual(60)
    for (const c of many) c.disconnect()
    await waitFor('the proxy to see 60 clients go', () => proxy.stats().active <= before.active, 5_000)
  })

  it('selects the database the URL names', async () => {
    const url = `${redis.url()}/3`
    const p3 = await startRedisProxy({ url, caPem: tls.caPem })
    try {
      await plain(p3.url).set('px:db', 'three')
      const d3 = new Redis(url, redisTlsOptions(tls.caPem, url))
      expect(await d3.get('px:db')).toBe('three')
      d3.disconnect()
      expect(await direct.get('px:db')).toBeNull()
    } finally {
      await p3.close()
    }
  })

  it('answers a RESP error naming the cause when Redis refuses the password, never the password itself', async () => {
    const url = `rediss://:not-the-password@127.0.0.1:${redis.port}`
    const logs: string[] = []
    const logger = createLogger({ format: 'json', component: 'node', write: (l) => logs.push(l) })
    const bad = await startRedisProxy({ url, caPem: tls.caPem, logger })
    try {
      const out = await exchange(bad.port, 'PING\r\n')
      expect(out).toMatch(
        new RegExp(
          `^-ERR gridcore proxy: Redis at 127\\.0\\.0\\.1:${redis.port} refused the password \\(WRONGPASS`,
        ),
      )
      expect(out.endsWith('\r\n')).toBe(true)
      expect(out).not.toContain('not-the-password')
      // ioredis reports it as an error event (its ready check is the first command it sends).
      const seen: string[] = []
      const c = new Redis(bad.url, { retryStrategy: () => null, maxRetriesPerRequest: 0 })
      c.on('error', (e) => seen.push(e.message))
      const pingErr = await c.ping().catch((e) => e)
      c.disconnect()
      expect([pingErr.message, ...seen].join('\n')).toMatch(
        /gridcore proxy: Redis at .* refused the password/,
      )
      const py = start('/usr/bin/python3', ['-c', `import redis; redis.from_url("${bad.url}").ping()`])
      expect((await py.exited).code).not.toBe(0)
      expect(py.err()).toMatch(/ResponseError: gridcore proxy: Redis at .* refused the password/)
      expect(bad.stats().failed).toBeGreaterThanOrEqual(3)
      // One warning stands for the burst of failures; the password is in none of it.
      expect(logs).toHaveLength(1)
      expect(logs[0]).toMatch(/redis proxy: Redis at .* refused the password/)
      expect(logs.join('')).not.toContain('not-the-password')
      await waitFor('refused connections to close', () => bad.stats().active === 0, 5_000)
    } finally {
      await bad.close()
    }
  })

  it('refuses to carry traffic to a Redis whose certificate the pinned CA did not sign', async () => {
    const other = await makeTestTls(`${dir}/other`)
    const wrong = await startRedisProxy({ url: redis.url(), caPem: other.caPem })
    try {
      expect(await exchange(wrong.port, 'PING\r\n')).toMatch(
        /^-ERR gridcore proxy: Redis at 127\.0\.0\.1:\d+ failed TLS verification against the cluster CA \(/,
      )
    } finally {
      await wrong.close()
    }
    await expect(startRedisProxy({ url: 'redis://127.0.0.1:1', caPem: tls.caPem })).rejects.toThrow(
      /carries rediss:\/\/ only/,
    )
  })

  it('survives a Redis restart: new connections work again, and a reconnecting client carries on', async () => {
    const keeper = plain(proxy.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 })
    await keeper.set('px:r', '1')
    await redis.stop()
    expect(await exchange(proxy.port, 'PING\r\n')).toMatch(
      /^-ERR gridcore proxy: cannot reach Redis at .*ECONNREFUSED/,
    )
    await redis.restart()
    const fresh = plain()
    expect(await fresh.ping()).toBe('PONG')
    expect(await keeper.incr('px:r2')).toBe(1)
  })

  it('stops accepting on close()', async () => {
    const p = await startRedisProxy({ url: redis.url(), caPem: tls.caPem })
    const c = plain(p.url, { retryStrategy: () => null })
    expect(await c.ping()).toBe('PONG')
    await p.close()
    await waitFor('the client to see the proxy go', () => c.status === 'end', 5_000)
    expect(await exchange(p.port, 'PING\r\n', 1_000)).toBe('')
  })
})

describe('RedisProxyPool', () => {
  it('makes one proxy per rediss:// URL and passes redis:// URLs through', async () => {
    const pool = new RedisProxyPool({ caPem: tls.caPem })
    try {
      expect(await pool.localUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
      const [a, b] = await Promise.all([pool.localUrl(redis.url()), pool.localUrl(redis.url())])
      expect(a).toBe(b)
      const c = await pool.localUrl(`${redis.url()}/2`)
      expect(c).not.toBe(a)
      expect(await plain(a).ping()).toBe('PONG')
      const list = await pool.list()
      expect(list).toHaveLength(2)
      expect(JSON.stringify(list)).not.toContain(redis.password)
    } finally {
      await pool.closeAll()
    }
    expect(await pool.list()).toEqual([])
  })
})
