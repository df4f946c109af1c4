// The reliable queue protocol against a real redis-server: take, lease, fenced commit, fail, recover, retry.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ReliableQueue } from '../../src/queue/consumer.js'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords, type QueueSnapshot, recoverExpired, retry, snapshot } from '../../src/queue/ops.js'
import { DrainJudge, progressOf } from '../../src/queue/progress.js'
import { startConsumer } from '../helpers/procs.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()

const names = () => {
  const p = `t${randomBytes(4).toString('hex')}`
  return { input: `${p}:in`, output: `${p}:out` }
}
const queue = (n: { input: string; output: string }, consumer = 'node-a:0', extra = {}) =>
  new ReliableQueue({ input: t.r, inputQueue: n.input, outputQueue: n.output, consumer, ...extra })
const push = async (key: string, items: string[]) => {
  await t.r.lpush(key, ...items)
  await t.r.hincrby(`${key}:stats`, 'pushed', items.length)
}
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
const isDrained = (s: QueueSnapshot) => new DrainJudge(0).drained(s, Date.now(), null)
const texts = (items: Buffer[]) => items.map(String)

describe('take and commit', () => {
  it('hands out items in push order and commits results with the counters', async () => {
    const n = names()
    await push(n.input, ['1', '2', '3', '4', '5'])
    const q = queue(n, 'c:0', { batchSize: 3 })
    const b = (await q.take())!
    expect(texts(b.items)).toEqual(['1', '2', '3'])
    expect(await t.r.llen(q.keys.processing('c:0'))).toBe(3)
    expect(await t.r.pttl(q.keys.lease('c:0'))).toBeGreaterThan(0)
    expect(
      await q.commit(
        b,
        b.items.map((i) => ({ result: `r${i}` })),
      ),
    ).toBe('ok')
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['r3', 'r2', 'r1'])
    expect(await t.r.llen(q.keys.processing('c:0'))).toBe(0)
    expect(await t.r.exists(q.keys.lease('c:0'))).toBe(0)
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(s.stats).toMatchObject({ pushed: 5, done: 3 })
    expect(isDrained(s)).toBe(false)
    const b2 = (await q.take())!
    await q.commit(
      b2,
      b2.items.map((i) => ({ result: `r${i}` })),
    )
    expect(await q.take()).toBeNull()
    const done = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(isDrained(done)).toBe(true)
    expect(progressOf(done)).toMatchObject({ done: 5, total: 5 })
  })

  it('commits part of a batch, then the rest', async () => {
    const n = names()
    await push(n.input, ['a', 'b', 'c'])
    const q = queue(n)
    const b = (await q.take())!
    await q.commit(b, [{ result: 'A' }])
    expect(texts(b.items)).toEqual(['b', 'c'])
    await q.commit(b, [{ result: 'B' }, { error: 'boom on c' }])
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['B', 'A'])
    const [failed] = await listRecords(t.r, `${n.input}:failed`, 10)
    expect(failed).toMatchObject({ item: 'c', error: 'boom on c', attempts: 1, consumer: 'node-a:0' })
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 2, failed: 1 })
  })

  it('refuses a commit after the lease expired and was recovered, and counts it', async () => {
    const n = names()
    await push(n.input, ['x', 'y'])
    const late = queue(n, 'late:0', { leaseMs: 150 })
    const b = (await late.take())!
    late.stop() // a paused consumer renews nothing
    await sleep(250)
    const rec = await recoverExpired(t.r, queueKeys(n.input, n.output))
    expect(rec).toEqual({ recovered: 2, dead: 0, consumers: ['late:0'] })
    const other = queue(n, 'other:0')
    const b2 = (await other.take())!
    expect(texts(b2.items)).toEqual(['x'])
    expect(await late.commit(b, [{ result: 'LATE-x' }, { result: 'LATE-y' }])).toBe('refused')
    await other.commit(b2, [{ result: 'X' }])
    const b3 = (await other.take())!
    await other.commit(b3, [{ result: 'Y' }])
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['X', 'Y'])
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({
      refused: 1,
      done: 2,
      recovered: 2,
    })
    // The refused commit credits nobody.
    expect(await t.r.hgetall(queueKeys(n.input, n.output).ledger)).toEqual({ 'other:done': '2' })
  })

  it('the ledger credits each commit to the consumer’s node (its id before the last ":")', async () => {
    const n = names()
    await push(n.input, ['1', '2', '3', '4', '5', '6', '7'])
    const commitAll = async (consumer: string, fail: (item: string) => boolean) => {
      const q = queue(n, consumer, { batchSize: 2 })
      const b = (await q.take())!
      await q.commit(
        b,
        b.items.map((i) => (fail(String(i)) ? { error: 'odd' } : { result: `r${i}` })),
      )
    }
    await commitAll('node-a:0', () => false)
    await commitAll('node-a:1', (i) => i === '4')
    await commitAll('10.0.0.7:host:3', (i) => i === '5')
    await commitAll('lonely', () => true)
    expect(await t.r.hgetall(queueKeys(n.input, n.output).ledger)).toEqual({
      'node-a:done': '3',
      'node-a:failed': '1',
      '10.0.0.7:host:done': '1',
      '10.0.0.7:host:failed': '1',
      'lonely:failed': '1',
    })
  })

  it('does not recover a consumer whose lease is alive', async () => {
    const n = names()
    await push(n.input, ['1'])
    const q = queue(n, 'alive:0')
    await q.take()
    expect(await recoverExpired(t.r, queueKeys(n.input, n.output))).toEqual({
      recovered: 0,
      dead: 0,
      consumers: [],
    })
    q.stop()
  })
})

describe('recovery and dead letters', () => {
  it('a consumer back under the same id gets its items again, suspects one at a time, and a poison item dies after max attempts', async () => {
    const n = names()
    await push(n.input, ['p', 'q', 'r'])
    const takes: string[][] = []
    for (let round = 0; round < 10; round++) {
      const q = queue(n, 'same:0')
      const b = await q.take()
      if (!b) break
      takes.push(texts(b.items))
      q.stop()
      if (b.items.some((i) => String(i) === 'p')) continue // crash: no commit
      await q.commit(
        b,
        b.items.map((i) => ({ result: String(i).toUpperCase() })),
      )
    }
    // The first delivery is a batch; every redelivery after the crash is a suspect alone.
    expect(takes[0]).toEqual(['p', 'q', 'r'])
    expect(takes.slice(1).every((t) => t.length === 1)).toBe(true)
    expect(takes.filter((t) => t[0] === 'p')).toHaveLength(3)
    const [dead] = await listRecords(t.r, `${n.input}:dead`, 10)
    expect(dead).toMatchObject({ item: 'p', attempts: 3 })
    expect(dead!.error).toMatch(/died/)
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['Q', 'R'])
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(s.stats).toMatchObject({ pushed: 3, done: 2, dead: 1 })
    expect(isDrained(s)).toBe(true)
  })

  it('recover gives expired items back as suspects with an attempt each, up to the dead list', async () => {
    const n = names()
    await push(n.input, ['1', '2', '3', '4'])
    const q = queue(n, 'd:0', { leaseMs: 50, batchSize: 2 })
    await q.take()
    q.stop()
    await sleep(100)
    await recoverExpired(t.r, queueKeys(n.input, n.output), { maxAttempts: 2 })
    expect(await t.r.lrange(n.input, 0, -1)).toEqual(['4', '3'])
    const suspects = (await t.r.lrange(`${n.input}:suspects`, 0, -1)).map((e) => JSON.parse(e))
    expect(suspects).toEqual([
      expect.objectContaining({ item: '2', attempts: 1, error: expect.stringMatching(/lease expired/) }),
      expect.objectContaining({ item: '1', attempts: 1 }),
    ])
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(progressOf(s)).toMatchObject({ waiting: 4, processing: 0, done: 0, total: 4 })
    expect(isDrained(s)).toBe(false)
    const q2 = queue(n, 'd:1', { leaseMs: 50 })
    expect(texts((await q2.take())!.items)).toEqual(['1'])
    q2.stop()
    await sleep(100)
    const rec = await recoverExpired(t.r, queueKeys(n.input, n.output), { maxAttempts: 2 })
    expect(rec).toMatchObject({ recovered: 0, dead: 1 })
    expect((await listRecords(t.r, `${n.input}:dead`, 5))[0]).toMatchObject({ item: '1', attempts: 2 })
    const q3 = queue(n, 'd:2')
    expect(texts((await q3.take())!.items)).toEqual(['2'])
    q3.stop()
  })

  it('force recovery ignores live leases (a node restarting its own instances)', async () => {
    const n = names()
    await push(n.input, ['1', '2'])
    const q = queue(n, 'nodeX:0')
    await q.take()
    q.stop()
    const rec = await recoverExpired(t.r, queueKeys(n.input, n.output), {
      force: true,
      only: (c) => c.startsWith('nodeX:'),
    })
    expect(rec.recovered).toBe(2)
    expect(await t.r.llen(`${n.input}:suspects`)).toBe(2)
  })

  it('retry moves failed and dead items back with attempts reset and counters corrected', async () => {
    const n = names()
    await push(n.input, ['a', 'b'])
    const q = queue(n)
    const b = (await q.take())!
    await q.commit(b, [{ error: 'e1' }, { error: 'e2' }])
    await t.r.lpush(`${n.input}:dead`, JSON.stringify({ item: 'z', attempts: 3 }))
    await t.r.hincrby(`${n.input}:stats`, 'dead', 1)
    const res = await retry(t.r, queueKeys(n.input, n.output), ['failed', 'dead'])
    expect(res).toEqual({ failed: 2, dead: 1 })
    expect((await t.r.lrange(n.input, 0, -1)).sort()).toEqual(['a', 'b', 'z'])
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({
      failed: 0,
      dead: 0,
      retried: 3,
    })
  })

  it('release hands back an unstarted batch without counting attempts', async () => {
    const n = names()
    await push(n.input, ['1', '2', '3'])
    const q = queue(n)
    const b = (await q.take())!
    await q.commit(b, [{ result: 'one' }])
    expect(await q.release()).toBe(2)
    expect(await t.r.lrange(n.input, 0, -1)).toEqual(['3', '2'])
    expect(await t.r.hlen(`${n.input}:attempts`)).toBe(0)
  })
})

describe('upstream consumers', () => {
  it('BRPOP/LPUSH consumers work on the same queue and progress falls back to the output length', async () => {
    const n = names()
    await push(n.input, ['1', '2', '3'])
    for (;;) {
      const got = await t.r.brpop(n.input, 1)
      if (!got) break
      await t.r.lpush(n.output, `${got[1]}:done`)
    }
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(progressOf(s)).toMatchObject({ done: 3, total: 3 })
    expect(isDrained(s)).toBe(true)
    expect(await t.r.lrange(n.output, -1, -1)).toEqual(['1:done'])
  })
})

describe('snapshots while consumers work', () => {
  it('count each item in one place: the total never passes what was pushed', async () => {
    const n = names()
    const keys = queueKeys(n.input, n.output)
    const pushed = 20_000
    for (let i = 0; i < pushed; i += 1000)
      await t.r.lpush(n.input, ...Array.from({ length: 1000 }, (_, j) => String(i + j)))
    await t.r.hincrby(keys.stats, 'pushed', pushed)
    const consumers = [0, 1].map((i) =>
      startConsumer({ url: t.redis.url, ...n, instance: i, BATCH: 20, IDLE_EXIT_MS: 300 }),
    )
    const totals = new Set<number>()
    let snapshots = 0
    for (;;) {
      const p = progressOf(await snapshot(t.r, keys))
      totals.add(p.total)
      snapshots++
      if (p.done >= pushed) break
    }
    for (const c of consumers) expect((await c.exited).code).toBe(0)
    expect(snapshots).toBeGreaterThan(20)
    expect([...totals]).toEqual([pushed])
  })
})
