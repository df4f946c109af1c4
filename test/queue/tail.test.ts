// Reading the oldest results (what a drain writes before collect.lua removes it) with plain LRANGEs on a raw
// connection, against a real redis-server: oldest first, at most N and about B bytes, chunked by what fits.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TailReader } from '../../src/queue/tail.js'
import { RespPipe } from '../../src/redis/resp.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()
let pipe: RespPipe
beforeAll(async () => {
  pipe = await RespPipe.open(t.redis.url)
})
afterAll(() => pipe.close())
const out = () => `tail${randomBytes(4).toString('hex')}:out`

describe('TailReader', () => {
  it('reads the oldest results oldest first, at most N and about B bytes (never fewer than one), removing none', async () => {
    const key = out()
    await t.r.lpush(key, 'r1', Buffer.from([0xff, 0x0a, 0x00]), 'r3', 'r4')
    const r = new TailReader(pipe, key)
    expect((await r.read(3, 1 << 20)).items()).toEqual([
      Buffer.from('r1'),
      Buffer.from([0xff, 0x0a, 0x00]),
      Buffer.from('r3'),
    ])
    const all = await r.read(10, 1 << 20)
    expect(all.count).toBe(4)
    expect(all.lines()).toEqual(
      Buffer.from([0x72, 0x31, 10, 0xff, 10, 0x00, 10, 0x72, 0x33, 10, 0x72, 0x34, 10]),
    )
    // r1 and its newline are 3 bytes: a cap of 7 holds two results; a cap of 1 still gives the oldest.
    expect((await new TailReader(pipe, key).read(10, 7)).count).toBe(2)
    expect((await new TailReader(pipe, key).read(10, 1)).items()).toEqual([Buffer.from('r1')])
    expect(await t.r.llen(key)).toBe(4)
    await t.r.del(key)
    const none = await r.read(10, 100)
    expect([none.count, none.lines(), none.items()]).toEqual([0, Buffer.alloc(0), []])
  })

  it('reads in chunks sized by what fits: many small results up to N, large ones up to the byte cap', async () => {
    const key = out()
    await t.r.lpush(key, ...Array.from({ length: 300 }, (_, i) => `s${i}`))
    const small = await new TailReader(pipe, key).read(250, 1 << 20)
    expect(small.count).toBe(250)
    expect(small.lines().toString().split('\n').slice(0, 250)).toEqual(
      Array.from({ length: 250 }, (_, i) => `s${i}`),
    )
    await t.r.del(key)
    // 1,001 bytes each with its newline: ten fit in 10,500 bytes, the oldest ten, whatever the last batch averaged.
    await t.r.lpush(key, ...Array.from({ length: 100 }, (_, i) => `${i}`.padStart(1000, 'x')))
    for (const r of [new TailReader(pipe, key), await warmed(key)]) {
      const large = await r.read(100, 10_500)
      expect(large.items().map((b) => b.toString().replace(/^x+/, ''))).toEqual(
        Array.from({ length: 10 }, (_, i) => `${i}`),
      )
      expect(large.lines().length).toBe(10_010)
    }
    expect((await new TailReader(pipe, key).read(5, 1 << 20)).count).toBe(5)
  })

  it('reads results past 64 bytes, and a batch of 20,000 in one go once the size is known', async () => {
    const key = out()
    const vals = Array.from({ length: 20_000 }, (_, i) =>
      i % 1000 === 0 ? `${i}`.repeat(40) : `${Math.sqrt(i)}`,
    )
    for (let i = 0; i < vals.length; i += 5000) await t.r.lpush(key, ...vals.slice(i, i + 5000))
    const r = new TailReader(pipe, key)
    const first = await r.read(100, 8 << 20)
    expect(first.items().map(String)).toEqual(vals.slice(0, 100))
    const batch = await r.read(20_000, 8 << 20)
    expect(batch.lines().toString()).toBe(`${vals.join('\n')}\n`)
  })
})

describe('TailReader, results that grow part-way', () => {
  /** A reader on `key` that notes the bytes of each reply it asked for. */
  const counting = (key: string) => {
    const reads: number[] = []
    const spy = Object.create(pipe) as RespPipe
    spy.bulkArray = async (args) => {
      const a = await pipe.bulkArray(args)
      reads.push(a.buf.length)
      return a
    }
    return { reader: new TailReader(spy, key), reads, total: () => reads.reduce((x, y) => x + y, 0) }
  }

  it('never reads much past the cap: small results then large ones, in one batch or the next', async () => {
    const cap = 8 << 20
    const key = out()
    const big = 'x'.repeat(10_000)
    for (let i = 0; i < 20_000; i += 5000) await t.r.lpush(key, ...Array.from({ length: 5000 }, () => '1'))
    for (let i = 0; i < 2000; i += 500) await t.r.lpush(key, ...Array.from({ length: 500 }, () => big))
    const c = counting(key)
    expect((await c.reader.read(20_000, cap)).count).toBe(20_000)
    await t.r.ltrim(key, 0, -20_001)
    c.reads.length = 0
    // The last batch averaged 2 bytes a result: the next still starts small and grows at most 8-fold a read.
    const second = await c.reader.read(20_000, cap)
    expect(second.count).toBe(Math.floor(cap / 10_001))
    expect(c.total()).toBeLessThan(1.5 * cap)
    // A fresh reader meeting 32 small results and then large ones in one batch.
    const mixed = out()
    await t.r.lpush(mixed, ...Array.from({ length: 1500 }, () => big))
    await t.r.lpush(mixed, ...Array.from({ length: 32 }, () => '1').reverse())
    await t.r.rpush(mixed, ...Array.from({ length: 32 }, () => '1'))
    const fresh = counting(mixed)
    expect((await fresh.reader.read(20_000, cap)).count).toBeLessThan(1000)
    expect(fresh.total()).toBeLessThan(3 * cap)
  })
})

describe('TailReader, results larger than the bytes left', () => {
  it('holds about the cap whatever the sizes, keeps the oldest in order, and gives one result larger than the cap', async () => {
    const cap = 8 << 20
    const key = out()
    const mb = (i: number) => `${i}:`.padEnd(1 << 20, 'm')
    // Oldest first: 32 tiny results, then 40 of 1 MB.
    const ordered = [
      ...Array.from({ length: 32 }, (_, i) => `t${i}`),
      ...Array.from({ length: 40 }, (_, i) => mb(i)),
    ]
    await t.r.del(key)
    for (const v of ordered) await t.r.lpush(key, v)
    const kept: number[] = []
    const spy = Object.create(pipe) as RespPipe
    spy.bulkArray = async (args, budget) => {
      const a = await pipe.bulkArray(args, budget)
      kept.push(a.buf.length)
      return a
    }
    const got = await new TailReader(spy, key).read(20_000, cap)
    expect(got.count).toBe(32 + 7)
    expect(got.items().map(String)).toEqual(ordered.slice(0, 39))
    expect(Math.max(...kept)).toBeLessThan(cap + (2 << 20))
    const huge = out()
    await t.r.lpush(huge, 'z'.repeat(12 << 20), 'y'.repeat(12 << 20))
    const one = await new TailReader(pipe, huge).read(10, cap)
    expect([one.count, one.lines().length, one.lines()[0]]).toEqual([1, (12 << 20) + 1, 'z'.charCodeAt(0)])
    await t.r.del(key, huge)
  })
})

/** A reader whose last batch averaged tiny results, so its first read of large ones must still stop at the cap. */
async function warmed(key: string): Promise<TailReader> {
  const tiny = out()
  await t.r.lpush(tiny, 'a', 'b', 'c')
  const r = new TailReader(pipe, tiny)
  await r.read(3, 1 << 20)
  ;(r as unknown as { output: string }).output = key
  return r
}
