// Attempts belong to deliveries, not to an item's text; items are bytes through every script (real redis-server).
import { describe, expect, it } from 'vitest'
import { ReliableQueue } from '../../src/queue/consumer.js'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords, recoverExpired, retry, snapshot } from '../../src/queue/ops.js'
import { NOT_UTF8, queueNames } from '../helpers/queues.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()
const names = () => queueNames('a')
const queue = (n: { input: string; output: string }, consumer: string, extra = {}) =>
  new ReliableQueue({ input: t.r, inputQueue: n.input, outputQueue: n.output, consumer, ...extra })
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

/** Takes and commits (item -> result) until the queue is empty; returns how many takes it needed. */
async function drain(
  n: { input: string; output: string },
  result = (i: Buffer) => Buffer.concat([i, Buffer.from('!')]),
) {
  const q = queue(n, 'drain:0')
  let takes = 0
  for (let b = await q.take(); b; b = await q.take()) {
    takes++
    await q.commit(
      b,
      b.items.map((i) => ({ result: result(i) })),
    )
  }
  q.stop()
  return takes
}

describe('attempts per delivery', () => {
  it('identical items in a crashed batch each get their own attempt and are not dead-lettered together', async () => {
    const n = names()
    await t.r.lpush(n.input, 'x', 'x', 'x', 'y')
    await t.r.hincrby(`${n.input}:stats`, 'pushed', 4)
    const crashed = queue(n, 'c:0', { leaseMs: 50 })
    expect((await crashed.take())!.items.map(String)).toEqual(['x', 'x', 'x', 'y'])
    crashed.stop()
    await sleep(100)
    expect(await recoverExpired(t.r, queueKeys(n.input, n.output))).toMatchObject({ recovered: 4, dead: 0 })
    const envelopes = (await t.r.lrange(`${n.input}:suspects`, 0, -1)).map((e) => JSON.parse(e))
    expect(envelopes.map((e) => [e.item, e.attempts])).toEqual([
      ['y', 1],
      ['x', 1],
      ['x', 1],
      ['x', 1],
    ])
    expect(await drain(n)).toBe(4) // each suspect alone
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['x!', 'x!', 'x!', 'y!'])
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(s.stats).toMatchObject({ pushed: 4, done: 4, dead: 0 })
    expect(s.dead + s.suspects + s.input).toBe(0)
  })

  it('a suspect handed back on a graceful stop keeps its attempts; its failure records them', async () => {
    const n = names()
    await t.r.lpush(n.input, 'p')
    const first = queue(n, 'c:0', { leaseMs: 50 })
    await first.take()
    first.stop()
    await sleep(100)
    await recoverExpired(t.r, queueKeys(n.input, n.output))
    const q = queue(n, 'c:1')
    await q.take()
    expect(JSON.parse((await t.r.hget(`${n.input}:attempts`, 'c:1'))!)).toMatchObject({ attempts: 1 })
    expect(await q.release()).toBe(1)
    expect(await t.r.llen(n.input)).toBe(0)
    expect(JSON.parse((await t.r.lindex(`${n.input}:suspects`, 0))!)).toMatchObject({
      item: 'p',
      attempts: 1,
    })
    const b = (await q.take())!
    expect(await q.commit(b, [{ error: 'boom' }])).toBe('ok')
    const [failed] = await listRecords(t.r, `${n.input}:failed`, 5)
    expect(failed).toMatchObject({ item: 'p', error: 'boom', attempts: 2, consumer: 'c:1' })
    expect(await t.r.hexists(`${n.input}:attempts`, 'c:1')).toBe(0)
    q.stop()
  })
})

describe('items are bytes', () => {
  const items = NOT_UTF8

  it('take, commit, fail, recover and retry keep every byte', async () => {
    const n = names()
    await t.r.lpush(n.input, ...items)
    const q = queue(n, 'b:0', { leaseMs: 50 })
    const b = (await q.take())!
    expect(b.items).toEqual(items)
    await q.commit(b, [{ result: Buffer.concat([items[0]!, Buffer.from([0x00])]) }, { error: 'bad byte' }])
    expect(await t.r.lrangeBuffer(n.output, 0, -1)).toEqual([Buffer.from([0xff, 0xfe, 0x00])])
    q.stop() // items[2], items[3] are held; the lease runs out
    await sleep(100)
    await recoverExpired(t.r, queueKeys(n.input, n.output))
    const again = queue(n, 'b:1')
    const taken: Buffer[][] = []
    for (let k = 0; k < 2; k++) {
      const one = (await again.take())!
      taken.push([...one.items])
      await again.commit(one, [{ result: one.items[0]! }])
    }
    expect(taken).toEqual([[items[2]], [items[3]]])
    await retry(t.r, queueKeys(n.input, n.output), ['failed'])
    expect(await t.r.lrangeBuffer(n.input, 0, -1)).toEqual([items[1]])
    again.stop()
    expect(new Set((await t.r.lrangeBuffer(n.output, 0, -1)).map((x) => x.toString('hex')))).toEqual(
      new Set([Buffer.from([0xff, 0xfe, 0x00]), items[2]!, items[3]!].map((x) => x.toString('hex'))),
    )
  })
})
