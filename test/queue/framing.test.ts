// The protocol's framings against a real redis-server: take as a line filter's stdin ('lines') or one JSON array
// ('json'), commit from one JSON array ('1j'), and the line-filter worker's queue (framed take, a commit and the
// next take in one round trip, commits from encoded answers, a failure among them, give-back, the ledger's credit).
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { LineQueue } from '../../src/queue/line-queue.js'
import { listRecords, snapshot } from '../../src/queue/ops.js'
import { SCRIPT_KEYS, scriptSources } from '../../src/queue/scripts.js'
import { RespBulks } from '../../src/redis/resp-bulks.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()
const names = () => {
  const p = `fr${randomBytes(4).toString('hex')}`
  return { input: `${p}:in`, output: `${p}:out` }
}
const push = async (key: string, items: (string | Buffer)[]) => {
  await t.r.lpush(key, ...items)
  await t.r.hincrby(`${key}:stats`, 'pushed', items.length)
}

/** Runs a script by name with its keys for consumer c, as the templates do. */
function script(name: 'take' | 'commit', n: { input: string; output: string }, c: string, args: string[]) {
  const keys = keysOf(name, n, c)
  return t.r.callBuffer('EVAL', scriptSources()[name], keys.length, ...keys, ...args)
}
function keysOf(name: 'take' | 'commit', n: { input: string; output: string }, c: string): string[] {
  const k = queueKeys(n.input, n.output)
  const all: Record<string, string> = {
    ...k,
    processing: k.processing(c),
    lease: k.lease(c),
  } as unknown as Record<string, string>
  return SCRIPT_KEYS[name].map((role) => all[role]!)
}
const takeArgs = (max: number, token: string, c: string, framing: string) => [
  String(max),
  '30000',
  token,
  c,
  '3',
  String(Date.now()),
  framing,
]

describe("take's framings", () => {
  it("'lines' gives {count, the items each ended by a newline} in commit order; a list when an item holds one", async () => {
    const n = names()
    await push(n.input, ['a', Buffer.from([0xff, 0x00]), 'c'])
    const r = (await script('take', n, 'c:0', takeArgs(10, 'tok', 'c:0', 'lines'))) as [number, Buffer]
    expect(r[0]).toBe(3)
    expect(r[1]).toEqual(Buffer.from([0x61, 10, 0xff, 0x00, 10, 0x63, 10]))
    expect(await t.r.llen(`${n.input}:processing:c:0`)).toBe(3)

    const m = names()
    await push(m.input, ['x', 'two\nlines'])
    const list = (await script('take', m, 'c:0', takeArgs(10, 'tok', 'c:0', 'lines'))) as Buffer[]
    expect(list.map(String)).toEqual(['x', 'two\nlines'])
    expect(await script('take', names(), 'c:0', takeArgs(10, 'tok', 'c:0', 'lines'))).toEqual([])
  })

  it("'json' gives one JSON array of the items ('[]' when none), which a '1j' commit settles", async () => {
    const n = names()
    await push(n.input, ['3', 'he said "hi"', 'a/b\\c'])
    const text = String(await script('take', n, 'c:0', takeArgs(10, 'tok', 'c:0', 'json')))
    const items = JSON.parse(text) as string[]
    expect(items).toEqual(['3', 'he said "hi"', 'a/b\\c'])
    const payloads = JSON.stringify(items.map((i) => `r:${i}`))
    const r = await script('commit', n, 'c:0', ['tok', 'c:0', String(Date.now()), '1j', '2', payloads])
    expect(r).toEqual([2, 1])
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['r:3', 'r:a/b\\c'])
    const [failed] = await listRecords(t.r, `${n.input}:failed`, 1)
    expect(failed).toMatchObject({ item: 'he said "hi"', error: 'r:he said "hi"', attempts: 1 })
    expect(String(await script('take', n, 'c:0', takeArgs(10, 'tok2', 'c:0', 'json')))).toBe('[]')
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).processing).toBe(0)
  })
})

describe('the line-filter worker queue', () => {
  const open = (n: { input: string; output: string }, outputUrl?: string) =>
    LineQueue.open({
      url: t.redis.url,
      outputUrl,
      inputQueue: n.input,
      outputQueue: n.output,
      consumer: 'w:0',
      leaseMs: 30_000,
      maxAttempts: 3,
    })
  /** A fresh queue of `items` and a LineQueue on it holding a batch of up to `max`. */
  const holding = async (items: string[], max: number) => {
    const n = names()
    await push(n.input, items)
    const q = await open(n)
    return { n, q, b: (await q.take(max))! }
  }
  const answers = (lines: string[]) => {
    const b = new RespBulks(16)
    for (const l of lines) b.addString(l)
    return b
  }

  it('takes framed batches, commits encoded answers with a failure, and takes the next in the same round trip', async () => {
    const { n, q, b } = await holding(['1', '2', '3', '4', '5'], 3)
    expect([b.count, String(b.lines)]).toEqual([3, '1\n2\n3\n'])
    const r = await q.commit(b, answers(['r1', 'boom', 'r3']), [1], 10)
    expect(r.committed).toBe(true)
    expect([r.next!.count, String(r.next!.lines)]).toEqual([2, '4\n5\n'])
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['r1', 'r3'])
    expect((await listRecords(t.r, `${n.input}:failed`, 5)).map((f) => [f.item, f.error])).toEqual([
      ['2', 'boom'],
    ])
    expect(await q.giveBack(false)).toBe(2)
    const s = await snapshot(t.r, queueKeys(n.input, n.output))
    expect(s).toMatchObject({ input: 2, processing: 0 })
    expect(s.stats).toMatchObject({ done: 2, failed: 1 })
    // The contribution ledger credits the consumer's node (w of w:0), under its own key, never "undefined".
    expect(await t.r.hgetall(`${n.input}:ledger`)).toEqual({ 'w:done': '2', 'w:failed': '1' })
    expect(await t.r.exists('undefined')).toBe(0)
    q.close()
  })

  it('gives a batch back with an attempt counted, and is refused once another took its lease', async () => {
    const { n, q, b } = await holding(['a', 'b'], 5)
    expect(await q.giveBack(true, 'the filter hangs')).toBe(2)
    expect(await t.r.llen(`${n.input}:suspects`)).toBe(2)
    const again = (await q.take(5))!
    expect(again.count).toBe(1) // a suspect comes alone
    await t.r.set(`${n.input}:lease:w:0`, 'someone-else')
    const r = await q.commit(again, answers(['late']), [])
    expect(r).toEqual({ committed: false, next: null })
    expect(await t.r.llen(n.output)).toBe(0)
    expect(await t.r.exists(`${n.input}:ledger`)).toBe(0) // a refused commit credits nobody
    expect(b.count).toBe(2)
    q.close()
  })

  it('commits a fully answered batch with a native LPUSH under WATCH of the lease, the next take in the same MULTI', async () => {
    const { n, q, b } = await holding(['1', '2', '3', '4', '5'], 3)
    const r = await q.commit(b, answers(['r1', 'r2', 'r3']), [], 10)
    expect(r.committed).toBe(true)
    expect([r.next!.count, String(r.next!.lines)]).toEqual([2, '4\n5\n'])
    // The oldest result at the tail, as commit.lua's own LPUSH leaves them.
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['r3', 'r2', 'r1'])
    expect(await t.r.lrange(`${n.input}:processing:w:0`, 0, -1)).toEqual(['4', '5'])
    expect(await t.r.get(`${n.input}:lease:w:0`)).toBe(r.next!.token)
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 3 })
    expect(await t.r.hgetall(`${n.input}:ledger`)).toEqual({ 'w:done': '3' })
    const last = await q.commit(r.next!, answers(['r4', 'r5']), [])
    expect(last).toEqual({ committed: true, next: null })
    expect(await t.r.exists(`${n.input}:lease:w:0`, `${n.input}:processing:w:0`)).toBe(0)
    q.close()
  })

  it('a lease touched between its read and the MULTI aborts it untouched: renewed, the usual commit goes through once', async () => {
    const { n, q, b } = await holding(['1', '2', '3'], 3)
    // Renew the lease (same token, new TTL) right after the commit read it under WATCH.
    const pipe = (q as unknown as { pipe: { send: (...a: unknown[]) => Promise<unknown[]> } }).pipe
    const send = pipe.send.bind(pipe)
    let renewed = 0
    pipe.send = async (...a: unknown[]) => {
      const replies = await send(...a)
      const first = Array.isArray(a[0]) ? (a[0] as Buffer[])[0]! : (a[0] as Buffer)
      if (first.includes('WATCH') && !renewed++) await t.r.set(`${n.input}:lease:w:0`, b.token, 'PX', 30_000)
      return replies
    }
    expect((await q.commit(b, answers(['r1', 'r2', 'r3']), [])).committed).toBe(true)
    expect(renewed).toBe(1)
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['r3', 'r2', 'r1'])
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 3 })
    q.close()
  })

  it("commit.lua counted ('0n') takes the MULTI's pushed results back when it refuses or cannot settle", async () => {
    const n = names()
    const c = 'w:9'
    await push(n.input, ['a', 'b'])
    await script('take', n, c, ['5', '30000', 'tok', c, '3', '0'])
    await t.r.lpush(n.output, 'older')
    const counted = async (token: string, failures: string, count: number) => {
      const m = t.r.multi()
      m.lpush(n.output, ...Array.from({ length: count }, (_, i) => `r${i}`))
      m.eval(
        scriptSources().commit,
        SCRIPT_KEYS.commit.length,
        ...keysOf('commit', n, c),
        token,
        c,
        '0',
        '0n',
        failures,
        String(count),
      )
      const [, [err, r]] = (await m.exec()) as [unknown, [Error | null, unknown]]
      return err ? err.message : r
    }
    expect(await counted('wrong', '', 2)).toBe(-1)
    expect(await counted('tok', '1', 2)).toMatch(/counted commit has failures/)
    expect(await counted('tok', '', 3)).toMatch(/processing list holds 2 items/)
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['older'])
    expect(await counted('tok', '', 2)).toEqual([2, 0])
    expect(await t.r.lrange(n.output, 0, -1)).toEqual(['r1', 'r0', 'older'])
  })

  it('a script cache flushed under it (NOSCRIPT) is loaded again: commits land once, the next take follows', async () => {
    const { n, q, b } = await holding(['1', '2', '3', '4', '5', '6'], 2)
    await t.r.script('FLUSH')
    const counted = await q.commit(b, answers(['r1', 'r2']), [], 2)
    expect([counted.committed, String(counted.next!.lines)]).toEqual([true, '3\n4\n'])
    await t.r.script('FLUSH')
    const usual = await q.commit(counted.next!, answers(['r3', 'bad']), [1], 2)
    expect([usual.committed, String(usual.next!.lines)]).toEqual([true, '5\n6\n'])
    await t.r.script('FLUSH')
    expect(await q.giveBack(false)).toBe(2)
    await t.r.script('FLUSH')
    expect((await q.take(5))!.count).toBe(2)
    expect((await t.r.lrange(n.output, 0, -1)).sort()).toEqual(['r1', 'r2', 'r3'])
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 3, failed: 1 })
    q.close()
  })

  it('a commit refused NOSCRIPT whose take did run (scripts loaded in between) is refused, not sent again', async () => {
    const { n, q, b } = await holding(['1', '2', '3', '4'], 2)
    await t.r.script('FLUSH')
    await t.r.script('LOAD', scriptSources().take)
    const r = await q.commit(b, answers(['r1', 'bad']), [1], 2)
    // The take gave the unsettled batch back with an attempt counted and took one of it alone (a suspect goes
    // first); nothing was settled, nor sent again.
    expect([r.committed, String(r.next!.lines)]).toEqual([false, '1\n'])
    expect(await t.r.llen(n.output)).toBe(0)
    expect(await t.r.llen(`${n.input}:suspects`)).toBe(1)
    expect(await t.r.llen(n.input)).toBe(2)
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 0, failed: 0 })
    q.close()
  })

  it('a landed commit stays landed when the take after it fails; a renew Redis refuses is an error, not a lost lease', async () => {
    const { n, q, b } = await holding(['1', '2'], 2)
    await t.r.set(`${n.input}:suspects`, 'not a list')
    expect(await q.commit(b, answers(['r1', 'r2']), [], 5)).toEqual({ committed: true, next: null })
    await t.r.del(`${n.input}:suspects`)
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 2 })
    q.close()
    const m = names()
    await push(m.input, ['x'])
    const other = await open(m, `${t.redis.url}/1`)
    const c = (await other.take(1))!
    await t.r.del(`${m.input}:lease:w:0`)
    await t.r.hset(`${m.input}:lease:w:0`, 'not', 'a string')
    await expect(other.commit(c, answers(['rx']), [])).rejects.toThrow(/renewing the lease failed: WRONGTYPE/)
    other.close()
  })

  it('pushes results to another output Redis before settling', async () => {
    const n = names()
    await push(n.input, ['x', 'y'])
    const q = await open(n, `${t.redis.url}/1`)
    const b = (await q.take(5))!
    expect((await q.commit(b, answers(['rx', 'bad']), [1])).committed).toBe(true)
    const out = t.redis.client()
    await out.select(1)
    expect(await out.lrange(n.output, 0, -1)).toEqual(['rx'])
    expect(await t.r.llen(n.output)).toBe(0)
    expect((await snapshot(t.r, queueKeys(n.input, n.output))).stats).toMatchObject({ done: 1, failed: 1 })
    expect(await t.r.hgetall(`${n.input}:ledger`)).toEqual({ 'w:done': '1', 'w:failed': '1' })
    out.disconnect()
    q.close()
  })
})
