// Redis over TLS for real: the config withRedisTls writes starts Debian's redis-server with no plaintext port;
// ioredis reaches it with rediss:// and the cluster CA; a plaintext client gets nothing.
import { connect } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisConfig } from '../../src/deploy/redis-launcher.js'
import { redisTlsOptions } from '../../src/net/tls-options.js'
import { openRedis } from '../../src/redis/client.js'
import { bindAddresses, redisTlsDirectives, withRedisTls } from '../../src/redis/tls-config.js'
import { freePort } from '../helpers/ports.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let tls: TestTls
let other: TestTls
let redis: TlsRedis

beforeAll(async () => {
  tls = await makeTestTls(`${dir}/tls`)
  other = await makeTestTls(`${dir}/other`)
  redis = await startTlsRedis({ dir, tls, port: await freePort() })
})
afterAll(() => redis?.stop())

const opts = { tlsPort: 6390, password: 'pw', certFile: '/c/s.pem', keyFile: '/c/k.pem', caFile: '/c/ca.pem' }

/** Connects with ioredis; a failure rejects with the socket's own error (ioredis reports it as an event). */
async function open(url: string, extra: object): Promise<Redis> {
  const r = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    ...extra,
  })
  let last: Error | undefined
  r.on('error', (e) => {
    last = e
  })
  try {
    await r.connect()
  } catch (err) {
    throw last ?? err
  }
  return r
}

describe('redisTlsDirectives / withRedisTls', () => {
  it('writes the TLS lines: no plaintext port, password auth, loopback plus the listen address', () => {
    expect(redisTlsDirectives({ ...opts, listen: ['10.1.2.3'] }).slice(1)).toEqual([
      'bind 127.0.0.1 -::1 10.1.2.3',
      'protected-mode yes',
      'port 0',
      'tls-port 6390',
      'tls-cert-file "/c/s.pem"',
      'tls-key-file "/c/k.pem"',
      'tls-ca-cert-file "/c/ca.pem"',
      'tls-auth-clients no',
      'tls-protocols "TLSv1.2 TLSv1.3"',
      'tls-replication no',
      'tls-cluster no',
      'requirepass "pw"',
    ])
  })

  it('replaces the base config’s bind, port and password lines instead of repeating them', () => {
    const base = redisConfig({ port: 7000, password: 'old', dataDir: '/d' })
    const conf = withRedisTls(base, opts)
    const lines = conf.split('\n')
    for (const d of ['bind', 'port', 'requirepass', 'protected-mode']) {
      expect(lines.filter((l) => l.startsWith(`${d} `))).toHaveLength(1)
    }
    expect(conf).not.toContain('old')
    expect(conf).toContain('appendonly yes')
    expect(conf).toContain('dir /d')
  })

  it('binds a wildcard instead of loopback, keeps addresses once, and refuses what is no address', () => {
    expect(bindAddresses(['0.0.0.0'])).toEqual(['0.0.0.0', '-::1'])
    expect(bindAddresses(['[fd00::7]', '10.0.0.1', '10.0.0.1', '127.0.0.1'])).toEqual([
      '127.0.0.1',
      '-::1',
      'fd00::7',
      '10.0.0.1',
    ])
    expect(() => bindAddresses(['eth0'])).toThrow(/cannot bind "eth0": expected an IP address/)
    expect(() => redisTlsDirectives({ ...opts, password: 'a"b' })).toThrow(/quote/)
    expect(() => redisTlsDirectives({ ...opts, password: 'a"b' })).not.toThrow(/a"b/)
    expect(() => redisTlsDirectives({ ...opts, tlsPort: 0 })).toThrow(/expected 1 to 65535/)
  })
})

describe('a TLS-only redis-server', () => {
  it('answers ioredis over rediss:// with the cluster CA, by address and by the name localhost', async () => {
    for (const url of [redis.url(), redis.url('localhost')]) {
      const r = await open(url, redisTlsOptions(tls.caPem, url))
      try {
        await r.lpush(url, 'a', 'b')
        expect(await r.rpop(url)).toBe('a')
        expect(await r.config('GET', 'port')).toEqual(['port', '0'])
      } finally {
        r.disconnect()
      }
    }
    // The project's own client helper takes the same options.
    const r = await openRedis(redis.url(), { extra: redisTlsOptions(tls.caPem, redis.url()) })
    expect(await r.ping()).toBe('PONG')
    r.disconnect()
  })

  it('refuses a client that trusts another CA or the system roots, and a wrong password', async () => {
    for (const extra of [redisTlsOptions(other.caPem, redis.url()), {}]) {
      const err = await open(redis.url(), { tls: {}, ...extra }).catch((e) => e)
      expect(String(err.code ?? err.message)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/)
    }
    const bad = `rediss://:wrong@127.0.0.1:${redis.port}`
    const err = await open(bad, redisTlsOptions(tls.caPem, bad))
      .then((r) => r.ping())
      .catch((e) => e)
    expect(String(err.message)).toMatch(/WRONGPASS|invalid password/)
  })

  it('gives a plaintext client on the TLS port no data back', async () => {
    const got = await new Promise<string>((resolve) => {
      const s = connect(redis.port, '127.0.0.1')
      let out = ''
      s.on('data', (d) => {
        out += d.toString('latin1')
      })
      s.on('error', () => {})
      s.on('connect', () => s.write('PING\r\nAUTH x\r\nPING\r\n'))
      s.on('close', () => resolve(out))
      setTimeout(() => s.destroy(), 1_500)
    })
    expect(got).not.toContain('+PONG')
    expect(got).not.toMatch(/^[+-]/)
  })
})
