// The hub's queue reader against a real redis-server: lengths, counters, progress and the ledger of a task's queues;
// one read per interval per task however often and however concurrently it is asked; a Redis that is down is an
// error naming the task with the password masked, said once, and read again once it is back.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { QueueProbe } from '../../src/hub/queue-stats.js'
import { createLogger } from '../../src/lib/logger.js'
import { redisQueueReader } from '../../src/observe/queue-reader.js'
import { freePort } from '../helpers/ports.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'

let redis: TestRedis
beforeAll(async () => {
  redis = await startTestRedis()
})
afterAll(() => redis?.stop())

const logs: string[] = []
const logger = createLogger({ format: 'json', component: 'hub', write: (l) => logs.push(l) })
const probe = (id: number, spec: Record<string, unknown>): QueueProbe => ({
  id,
  group: 'default',
  spec: { name: `t${id}`, ...spec },
})
const hgetalls = async () =>
  Number(/cmdstat_hgetall:calls=(\d+)/.exec(await redis.client().info('commandstats'))?.[1] ?? 0)

describe('redisQueueReader', () => {
  it('reads lengths, counters, progress and the ledger of a task’s queues', async () => {
    const r = redis.client()
    const q = `r${randomBytes(4).toString('hex')}`
    await r.lpush(`${q}:in`, 'a', 'b', 'c')
    await r.lpush(`${q}:out`, 'x', 'y')
    await r.hset(`${q}:in:stats`, { pushed: 6, done: 2, failed: 1 })
    await r.hset(`${q}:in:ledger`, { 'n1:done': 2, 'n1:failed': 1, 'n:2:done': 0 })
    await r.lpush(`${q}:in:failed`, '{"item":"z"}')
    const reader = redisQueueReader({ logger, intervalMs: 60_000 })
    try {
      const out = await reader.read([
        probe(1, { input_redis: redis.url, input_queue: `${q}:in`, output_queue: `${q}:out` }),
      ])
      expect(out.get(1)).toMatchObject({
        input_queue: `${q}:in`,
        output_queue: `${q}:out`,
        input: 3,
        output: 2,
        failed: 1,
        stats: expect.objectContaining({ pushed: 6, done: 2, failed: 1 }),
        done: 3,
        total: 6,
        counted: true,
        ledger: { n1: { done: 2, failed: 1 }, 'n:2': { done: 0, failed: 0 } },
      })
      // A task without a Redis URL is read from the hub's own (computehub.toml redis_url) when it has one.
      const fallback = redisQueueReader({ logger, defaultRedisUrl: redis.url })
      expect((await fallback.read([probe(2, { input_queue: `${q}:in` })])).get(2)).toMatchObject({ input: 3 })
      await fallback.close()
      expect((await reader.read([probe(3, { input_queue: 'x' })])).get(3)).toEqual({
        error: "task 't3' names no input Redis and the hub has no redis_url: its queues cannot be read",
      })
      expect((await reader.read([probe(4, { input_redis: redis.url })])).get(4)).toEqual({
        error: "task 't4' names no input queue: there is nothing to read",
      })
    } finally {
      await reader.close()
    }
  })

  it('reads Redis once per interval per task, sharing a read in flight among concurrent callers', async () => {
    let clock = 0
    const reader = redisQueueReader({ logger, intervalMs: 1_000, now: () => clock })
    const task = probe(7, { input_redis: redis.url, input_queue: 'cached:in' })
    try {
      const before = await hgetalls()
      await Promise.all(Array.from({ length: 20 }, () => reader.read([task])))
      clock += 999
      await reader.read([task])
      // One read: two HGETALLs (counters, ledger).
      expect((await hgetalls()) - before).toBe(2)
      clock += 1
      await reader.read([task])
      expect((await hgetalls()) - before).toBe(4)
    } finally {
      await reader.close()
    }
  })

  it('answers a Redis that is down with an error (password masked, said once), and reads it again when back', async () => {
    const port = await freePort()
    const url = `redis://:pa55word@127.0.0.1:${port}`
    const reader = redisQueueReader({ logger, intervalMs: 0 })
    const task = probe(9, { input_redis: url, input_queue: 'down:in' })
    try {
      logs.length = 0
      const a = (await reader.read([task])).get(9) as { error: string }
      await reader.read([task])
      expect(a.error).toMatch(/^cannot read the queues of task 't9': /)
      expect(a.error).not.toContain('pa55word')
      expect(logs.filter((l) => l.includes('cannot read the queues'))).toHaveLength(1)
      expect(logs.join('\n')).not.toContain('pa55word')
      const back = await startTestRedis({ port, password: 'pa55word' })
      try {
        await back.client().lpush('down:in', 'i')
        expect((await reader.read([task])).get(9)).toMatchObject({ input: 1 })
        expect(logs.some((l) => l.includes('can be read again'))).toBe(true)
      } finally {
        await back.stop()
      }
    } finally {
      await reader.close()
    }
  })
})
