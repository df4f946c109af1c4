// The Redis launcher starts a real redis-server: loopback, password only in a 0600 file, AOF, noeviction.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stopDaemon } from '../../src/deploy/procs.js'
import { findRedisServer, type LaunchedRedis, launchRedis } from '../../src/deploy/redis-launcher.js'
import { alive } from '../../src/lib/proc.js'
import { openRedis } from '../../src/redis/client.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const stopRedis = (r: LaunchedRedis) => stopDaemon({ pid: r.pid!, started: r.started, cmdline: '' })

describe('launchRedis', () => {
  it('starts redis-server with the protocol’s settings and stops it cleanly', async () => {
    expect(findRedisServer()).toBeTruthy()
    const port = await freePort()
    const password = 'pw-with-/and@-0123'
    const redis = await launchRedis({ port, password, dataDir: join(dir, 'r1') })
    try {
      expect(redis.mode).toBe('binary')
      expect(redis.url).toBe(`redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`)
      expect(statSync(redis.configPath).mode & 0o777).toBe(0o600)
      const cmdline = readFileSync(`/proc/${redis.pid}/cmdline`, 'utf8')
      expect(cmdline).not.toContain(password)
      const c = await openRedis(redis.url)
      const conf = Object.fromEntries(
        (
          await Promise.all(
            ['appendonly', 'appendfsync', 'maxmemory-policy', 'bind', 'dir'].map((k) => c.config('GET', k)),
          )
        ).map((pair) => pair as [string, string]),
      )
      expect(conf).toEqual({
        appendonly: 'yes',
        appendfsync: 'everysec',
        'maxmemory-policy': 'noeviction',
        bind: '127.0.0.1',
        dir: join(dir, 'r1'),
      })
      c.disconnect()
      await expect(openRedis(`redis://:wrong@127.0.0.1:${port}`)).rejects.toMatchObject({
        code: 'REDIS_AUTH',
      })
    } finally {
      await stopRedis(redis)
    }
    expect(alive(redis.pid!)).toBe(false)
  })

  it('names a busy port in one line', async () => {
    const port = await freePort()
    const first = await launchRedis({ port, password: 'a', dataDir: join(dir, 'r2') })
    try {
      await expect(launchRedis({ port, password: 'b', dataDir: join(dir, 'r3') })).rejects.toThrow(
        `Redis port ${port} is already in use: stop what holds it or pass --redis-port`,
      )
    } finally {
      await stopRedis(first)
    }
  })
})
