// up's inputs are checked before anything is written or started: bad ports and Redis values are usage errors.
import { describe, expect, it } from 'vitest'
import { defaultPorts, redisRequest, upSettings } from '../../../src/deploy/local-cluster/settings.js'

const usage = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return { code: (e as { exitCode: number }).exitCode, message: (e as Error).message }
  }
  throw new Error('expected an error')
}

describe('upSettings', () => {
  it('fills the defaults', () => {
    expect(upSettings({ hubPort: 1, redisPort: 2 }, {})).toEqual({
      engine: 'auto',
      runtime: 'auto',
      redis: { kind: 'auto' },
      hubPort: 1,
      redisPort: 2,
      parallelism: undefined,
      installMissing: false,
      timeoutMs: 20_000,
      redisImage: 'redis:7-alpine',
    })
    expect(
      upSettings({ hubPort: 1, redisPort: 2 }, { GRIDCORE_REDIS_IMAGE: 'mirror/redis:7' }).redisImage,
    ).toBe('mirror/redis:7')
  })

  it('refuses the same port for the hub and Redis (exit 2), unless Redis is an existing server', () => {
    expect(usage(() => upSettings({ hubPort: 7000, redisPort: 7000 }))).toEqual({
      code: 2,
      message:
        '--hub-port and --redis-port are both 7000: the hub and Redis need a port each; pass two different ports',
    })
    expect(upSettings({ hubPort: 7000, redisPort: 7000, redis: 'redis://h:1' }).redis).toEqual({
      kind: 'url',
      url: 'redis://h:1',
    })
  })

  it.each([0, 65536, 1.5, Number.NaN])('refuses port %s', (port) => {
    expect(usage(() => upSettings({ hubPort: port, redisPort: 2 })).message).toMatch(
      /^--hub-port expects a port from 1 to 65535/,
    )
  })
})

describe('redisRequest', () => {
  it.each(['auto', 'local', 'docker'] as const)('%s', (kind) => expect(redisRequest(kind)).toEqual({ kind }))
  it('a URL, checked (its password redacted in errors)', () => {
    expect(redisRequest('rediss://:pw@h:1')).toEqual({ kind: 'url', url: 'rediss://:pw@h:1' })
    expect(usage(() => redisRequest('redis://:%zz@h:1'))).toEqual({
      code: 2,
      message: expect.stringMatching(/^--redis: Redis URL "redis:\/\/:\*\*\*@h:1" has a malformed %-escape/),
    })
  })
  it('anything else', () => {
    expect(usage(() => redisRequest('memcached'))).toEqual({
      code: 2,
      message: '--redis expects auto, local, docker or a redis:// URL, got "memcached"',
    })
  })
})

describe('defaultPorts', () => {
  it('takes GRIDCORE_HUB_PORT / GRIDCORE_REDIS_PORT, else 8080 / 6379', () => {
    expect(defaultPorts({})).toEqual({ hubPort: 8080, redisPort: 6379 })
    expect(defaultPorts({ GRIDCORE_HUB_PORT: '18080', GRIDCORE_REDIS_PORT: '16379' })).toEqual({
      hubPort: 18080,
      redisPort: 16379,
    })
    expect(usage(() => defaultPorts({ GRIDCORE_HUB_PORT: 'x' }))).toEqual({
      code: 2,
      message: 'GRIDCORE_HUB_PORT expects a port from 1 to 65535, got "x"',
    })
  })
})
