// What instances get for a task's Redis: rediss:// becomes the loopback proxy (one per URL), redis:// stays; a
// command task also gets the real URLs and the CA file in gridcore's own variables; containers on loopback get host
// networking.
import { afterAll, describe, expect, it } from 'vitest'
import { onLoopback } from '../../src/node/docker-runtime.js'
import { RedisProxyPool } from '../../src/node/redis-proxy-pool.js'
import { localTask } from '../../src/node/task-redis.js'
import { taskConfig } from '../helpers/task-config.js'

const pool = new RedisProxyPool({})
afterAll(() => pool.closeAll())

const task = taskConfig
const TLS = 'rediss://:s3cret@10.0.0.5:6379'

describe('localTask', () => {
  it('points rediss:// at one loopback proxy per URL and gives a command task the real URLs and CA', async () => {
    const t = task({ input_redis: TLS, output_redis: TLS, command: ['gridcore', 'worker'] })
    const l = await localTask(t, pool, '/etc/gridcore/ca.pem')
    expect(l.proxied).toBe(true)
    expect(l.task.input_redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    expect(l.task.output_redis).toBe(l.task.input_redis)
    expect(l.task.command).toEqual(['gridcore', 'worker'])
    expect(l.env).toEqual({
      GRIDCORE_INPUT_REDIS_URL: TLS,
      GRIDCORE_OUTPUT_REDIS_URL: TLS,
      GRIDCORE_REDIS_CA_FILE: '/etc/gridcore/ca.pem',
    })
    expect(t.input_redis).toBe(TLS) // the hub's task is left as it was
    expect((await pool.list()).map((p) => p.url)).toEqual(['rediss://:***@10.0.0.5:6379'])
  })

  it('gives an image task only the proxy, and leaves plain redis:// alone', async () => {
    const img = await localTask(task({ image: 'img', input_redis: TLS }), pool, '/ca.pem')
    expect(img.env).toEqual({})
    expect(img.task.input_redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    const plain = await localTask(task({ command: ['x'], input_redis: 'redis://:pw@10.0.0.5:6379' }), pool)
    expect(plain).toEqual({
      task: task({ command: ['x'], input_redis: 'redis://:pw@10.0.0.5:6379' }),
      env: {},
      proxied: false,
    })
  })
})

describe('onLoopback', () => {
  it('is true when an instance’s Redis URL is on this machine’s loopback', () => {
    expect(onLoopback({ INPUT_REDIS_URL: 'redis://127.0.0.1:4000' })).toBe(true)
    expect(onLoopback({ OUTPUT_REDIS_URL: 'redis://localhost:6379' })).toBe(true)
    expect(onLoopback({ INPUT_REDIS_URL: 'redis://[::1]:6379' })).toBe(true)
    expect(onLoopback({ INPUT_REDIS_URL: 'redis://10.0.0.5:6379' })).toBe(false)
    expect(onLoopback({})).toBe(false)
  })
})
