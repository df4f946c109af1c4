// Losing nothing: consumers killed, paused and poisoned, and Redis killed mid-push, against real processes.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords, recoverExpired, snapshot } from '../../src/queue/ops.js'
import { sleep, startCli, startConsumer } from '../helpers/procs.js'
import { startTestRedis, useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const t = useTestRedis()

const names = () => {
  const p = `rel${randomBytes(4).toString('hex')}`
  return { input: `${p}:in`, output: `${p}:out` }
}
async function pushRange(key: string, n: number) {
  const items = Array.from({ length: n }, (_, i) => String(i + 1))
  for (let i = 0; i < n; i += 1000) await t.r.lpush(key, ...items.slice(i, i + 1000))
  await t.r.hincrby(`${key}:stats`, 'pushed', n)
}
/** Every result's item id, from "<item>:<sqrt>" results. */
async function resultIds(output: string): Promise<string[]> {
  return (await t.r.lrange(output, 0, -1)).map((x) => x.split(':')[0]!)
}
async function deadIds(input: string): Promise<string[]> {
  return (await listRecords(t.r, `${input}:dead`, 1_000_000)).map((d) => d.item)
}
function expectExactlyOnce(n: number, results: string[], dead: string[]) {
  const all = [...results, ...dead]
  expect(new Set(results).size, 'duplicate results').toBe(results.length)
  expect(all.length).toBe(n)
  expect(new Set(all)).toEqual(new Set(Array.from({ length: n }, (_, i) => String(i + 1))))
}

/** Runs consumers (batches of 25) one after another until one drains the queue; how many the poison killed. */
async function deathsUntilDrained(q: { input: string; output: string }, poison: string): Promise<number> {
  let deaths = 0
  for (let run = 0; run < 10; run++) {
    const c = startConsumer({ url: t.redis.url, ...q, BATCH: 25, POISON: poison, IDLE_EXIT_MS: 300 })
    const { signal } = await c.exited
    if (signal !== 'SIGKILL') break
    deaths++
  }
  return deaths
}

describe('reliable consumers', () => {
  it('10,000 items, the consumer SIGKILLed 20 times mid-batch and restarted: each item one result or dead', async () => {
    const q = names()
    await pushRange(q.input, 10_000)
    let kills = 0
    while (kills < 20) {
      const c = startConsumer({
        url: t.redis.url,
        ...q,
        BATCH: 50,
        // At least 1 ms per item: 10 s of work in all, more than the 20 windows below (at most 7 s) can hold.
        SLOW_MS: 1,
        SLOW_EVERY: 1,
        LEASE_MS: 5000,
      })
      await sleep(200 + Math.random() * 150)
      const alive = c.child.exitCode === null
      c.child.kill('SIGKILL')
      await c.exited
      if (alive) kills++
    }
    const proc = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(proc.stats.done).toBeLessThan(10_000) // the kills really landed mid-run
    const last = startConsumer({ url: t.redis.url, ...q, BATCH: 50, IDLE_EXIT_MS: 300 })
    expect((await last.exited).code).toBe(0)
    expectExactlyOnce(10_000, await resultIds(q.output), await deadIds(q.input))
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(s.input + s.processing).toBe(0)
    expect(s.stats.done! + s.stats.dead!).toBe(10_000)
  }, 120_000)

  it('a consumer paused (SIGSTOP) past its lease has its late commit refused and counted', async () => {
    const q = names()
    await pushRange(q.input, 200)
    const a = startConsumer({
      url: t.redis.url,
      ...q,
      nodeId: 'paused',
      BATCH: 20,
      SLOW_MS: 10,
      LEASE_MS: 400,
    })
    // Paused while it holds a batch (a loaded machine may take a while to start it), then until its lease ran out.
    const keys = queueKeys(q.input, q.output)
    let deadline = Date.now() + 20_000
    for (;;) {
      a.child.kill('SIGSTOP')
      if ((await snapshot(t.r, keys)).processing > 0 || Date.now() > deadline) break
      a.child.kill('SIGCONT')
      await sleep(20)
    }
    let recovered = 0
    deadline = Date.now() + 10_000
    while (recovered === 0 && Date.now() < deadline) {
      await sleep(100)
      recovered += (await recoverExpired(t.r, keys)).recovered
    }
    expect(recovered).toBeGreaterThan(0)
    const b = startConsumer({ url: t.redis.url, ...q, nodeId: 'healthy', BATCH: 20, IDLE_EXIT_MS: 400 })
    expect((await b.exited).code).toBe(0)
    a.child.kill('SIGCONT')
    deadline = Date.now() + 5_000
    while (!a.err().includes('refused') && Date.now() < deadline) await sleep(50)
    a.child.kill('SIGTERM')
    expect((await a.exited).code).toBe(0)
    expect(a.err()).toMatch(/refused \d+/)
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(s.stats.refused).toBeGreaterThanOrEqual(1)
    expectExactlyOnce(200, await resultIds(q.output), await deadIds(q.input))
    expect(await deadIds(q.input)).toEqual([])
  }, 60_000)

  it('a poison item that kills its consumer every time reaches the dead list after max attempts, alone', async () => {
    const q = names()
    await pushRange(q.input, 300)
    expect(await deathsUntilDrained(q, '137')).toBe(3)
    const dead = await listRecords(t.r, `${q.input}:dead`, 10)
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ item: '137', attempts: 3 })
    expectExactlyOnce(300, await resultIds(q.output), ['137'])
  }, 60_000)
})

describe('identical items', () => {
  it('1,000 identical lines with one poison behave like 1,000 distinct ones: the poison alone is dead', async () => {
    const q = names()
    const items = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 'poison' : 'same'))
    await t.r.lpush(q.input, ...items)
    await t.r.hincrby(`${q.input}:stats`, 'pushed', items.length)
    expect(await deathsUntilDrained(q, 'poison')).toBe(3)
    const dead = await listRecords(t.r, `${q.input}:dead`, 10)
    expect(dead).toEqual([expect.objectContaining({ item: 'poison', attempts: 3 })])
    const results = await t.r.lrange(q.output, 0, -1)
    expect(results).toHaveLength(999)
    expect(new Set(results)).toEqual(new Set(['same:NaN']))
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(s.stats).toMatchObject({ pushed: 1000, done: 999, dead: 1 })
  }, 60_000)
})

describe('redis-server killed and restarted from its AOF', () => {
  it('loses no acknowledged push or commit', async () => {
    const dir = tempDir()
    const aof = await startTestRedis({ appendonly: true, dir })
    const q = names()
    // A slow producer on stdin keeps the push running while Redis dies.
    const push = startCli(['push', '-', '--redis', aof.url, '--queue', q.input, '--json'])
    const total = 400_000
    let written = 0
    const feeder = (async () => {
      while (written < total && push.child.exitCode === null) {
        const chunk = Array.from({ length: 500 }, (_, i) => String(written + i + 1)).join('\n')
        written += 500
        if (!push.child.stdin!.write(`${chunk}\n`)) {
          await Promise.race([new Promise((res) => push.child.stdin!.once('drain', res)), push.exited])
        }
        await sleep(5)
      }
      push.child.stdin!.end()
    })()
    const consumer = startConsumer({ url: aof.url, ...q, BATCH: 50, SLOW_MS: 1, SLOW_EVERY: 50 })
    // Redis dies once both the push and the consumer are under way (polled: start-ups are slow on a busy machine).
    const probe = aof.client()
    const started = Date.now() + 30_000
    while (Number((await probe.hget(`${q.input}:stats`, 'done')) ?? 0) === 0 && Date.now() < started)
      await sleep(50)
    await sleep(300)
    probe.disconnect()
    aof.proc.kill('SIGKILL')
    const pushed = await push.exited
    await feeder.catch(() => {})
    push.child.stdin!.destroy()
    expect(pushed.code).toBe(7)
    const report = JSON.parse(push.out())
    const acked: number = report.error.pushed
    expect(acked).toBeGreaterThan(0)
    expect(report.error.message).toMatch(/acknowledged before the failure/)
    await sleep(500)
    const again = await startTestRedis({ appendonly: true, dir, port: aof.port, password: aof.password })
    const rr = again.client()
    const stats = await rr.hgetall(`${q.input}:stats`)
    expect(Number(stats.pushed)).toBeGreaterThanOrEqual(acked)
    const committed = Number(stats.done ?? 0)
    expect(await rr.llen(q.output)).toBe(committed)
    // The consumer reconnects by itself and finishes; then every pushed item has exactly one result.
    const deadline = Date.now() + 30_000
    for (;;) {
      const s = await snapshot(rr, queueKeys(q.input, q.output))
      if (s.input === 0 && s.stats.done! + s.stats.dead! >= s.stats.pushed!) break
      if (Date.now() > deadline) throw new Error(`consumer did not finish: ${JSON.stringify(s)}`)
      await recoverExpired(rr, queueKeys(q.input, q.output))
      await sleep(200)
    }
    consumer.child.kill('SIGTERM')
    await consumer.exited
    const n = Number((await rr.hget(`${q.input}:stats`, 'pushed')) ?? 0)
    const ids = (await rr.lrange(q.output, 0, -1)).map((x) => x.split(':')[0]!)
    expect(new Set(ids).size).toBe(ids.length)
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: n }, (_, i) => String(i + 1))))
    await again.stop()
  }, 90_000)
})
