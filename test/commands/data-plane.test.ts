// watch, results and queue commands for real, plus the end-to-end: 1,000,000 items through a
// reliable consumer and an upstream BRPOP consumer at once, watched to 100 % and collected to a file.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReliableQueue } from '../../src/queue/consumer.js'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { sleep, start, startCli, startConsumer } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let redis: TestRedis
let r: Redis
let hub: TestHub
const home = join(dir, 'home')
beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  hub = await startTestHub({ dir })
  const c = await runCli(
    ['connect', '--name', 'dp', '--hub', hub.url, '--token', hub.token, '--redis', redis.url],
    { env: { GRIDCORE_HOME: home } },
  )
  expect(c.code).toBe(0)
})
afterAll(async () => {
  await hub.stop()
  await redis.stop()
})

const names = () => {
  const p = `d${randomBytes(4).toString('hex')}`
  return { input: `${p}:in`, output: `${p}:out` }
}
const gc = (args: string[], opts: { timeoutMs?: number } = {}) =>
  runCli(args, { env: { GRIDCORE_HOME: home }, timeoutMs: opts.timeoutMs ?? 30_000 })
const qa = (n: { input: string; output: string }) => [
  '--redis',
  redis.url,
  '--queue',
  n.input,
  '--output-queue',
  n.output,
]

describe('gridcore watch', () => {
  it('prints NDJSON progress when not on a terminal and exits 0 once drained, recovering a dead consumer’s items', async () => {
    const n = names()
    await gc(['push', '--range', '1..3000', ...qa(n)])
    // A consumer that died holding a batch: its lease expires while watch runs.
    const dead = new ReliableQueue({
      input: r,
      inputQueue: n.input,
      outputQueue: n.output,
      consumer: 'gone:0',
      leaseMs: 300,
      batchSize: 100,
    })
    await dead.take()
    dead.stop()
    const c = startConsumer({ url: redis.url, ...n, SLOW_MS: 1, SLOW_EVERY: 20, IDLE_EXIT_MS: 3000 })
    const w = await gc(['watch', ...qa(n), '--interval', '0.2'])
    expect(w.code).toBe(0)
    const lines = w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.length).toBeGreaterThan(1)
    expect(lines[0].type).toBe('progress')
    const summary = lines.at(-1)
    expect(summary).toMatchObject({
      type: 'summary',
      drained: true,
      total: 3000,
      done: 3000,
      failed: 0,
      dead: 0,
    })
    expect(summary.recovered).toBe(100)
    c.child.kill('SIGTERM')
    await c.exited
  })

  it('--json prints one summary object; --finish finishes the hub task; queues come from the current task', async () => {
    const n = names()
    await gc([
      'task',
      'register',
      '--name',
      `t-${n.input}`,
      '--command',
      'x',
      '--input-queue',
      n.input,
      '--output-queue',
      n.output,
    ])
    expect((await gc(['push', '--range', '1..500'])).code).toBe(0)
    const c = startConsumer({ url: redis.url, ...n, IDLE_EXIT_MS: 2000 })
    const w = await gc(['watch', '--json', '--interval', '0.2', '--finish'])
    expect(w.code).toBe(0)
    expect(w.json).toMatchObject({
      drained: true,
      done: 500,
      queue: n.input,
      finished: { completed: `t-${n.input}` },
    })
    expect(
      w.stderr
        .split('\n')
        .filter(Boolean)
        .every((l) => JSON.parse(l).type === 'progress'),
    ).toBe(true)
    await c.exited
  })

  it('exits 8 when stalled, naming what holds the queue up', async () => {
    const n = names()
    await gc(['push', '--range', '1..10', ...qa(n)])
    const w = await gc(['watch', ...qa(n), '--interval', '0.1', '--stall-timeout', '0.6', '--json'])
    expect(w.code).toBe(8)
    expect(w.json.error).toMatchObject({ code: 'STALLED', drained: false, total: 10 })
    expect(w.stderr.trim().split('\n').at(-1)).toMatch(
      /^gridcore: no progress for 0\.6s with 10 of 10 items left: items are waiting but nothing takes them/,
    )
  })

  it('reports a node in Error once, with the fix, and names it when the queue stalls', async () => {
    const n = names()
    await gc(['push', '--range', '1..5', '--queue', n.input])
    const reg = await hub.call('POST', '/gridnode/register', {
      body: { hostname: 'bad', architecture: 'x86_64', cpu_count: 1 },
    })
    const id = reg.json.node_id
    await hub.call('POST', '/gridnode/heartbeat', {
      body: { node_id: id, status: 'Error', active_containers: 0 },
    })
    const w = await gc(['watch', '--queue', n.input, '--interval', '0.1', '--stall-timeout', '0.5'])
    expect(w.code).toBe(8)
    const events = w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const warnings = events.filter((e) => e.type === 'warning')
    expect(warnings).toEqual([
      { type: 'warning', node: id, message: expect.stringContaining('gridcore task finish') },
    ])
    expect(events.find((e) => e.type === 'progress').nodes_error).toContain(id)
    expect(w.stderr).toMatch(new RegExp(`node\\(s\\) ${id} report Error`))
    await hub.call('POST', '/gridnode/heartbeat', {
      body: { node_id: id, status: 'Idle', active_containers: 0 },
    })
  })

  it('exits 9 when --timeout passes while work goes on', async () => {
    const n = names()
    await gc(['push', '--range', '1..2000', ...qa(n)])
    const c = startConsumer({ url: redis.url, ...n, SLOW_MS: 5 })
    const w = await gc(['watch', ...qa(n), '--interval', '0.1', '--timeout', '1'])
    expect(w.code).toBe(9)
    expect(w.stderr).toMatch(/timed out after 1s with \d+ of 2000 items left/)
    c.child.kill('SIGTERM')
    await c.exited
  })
})

describe('gridcore results', () => {
  it('drains to a file in raw, jsonl and csv; --peek leaves the list alone', async () => {
    const n = names()
    await r.lpush(n.output, '{"a":1,"b":"x"}', 'plain, text', '{"a":2,"b":"y"}')
    const peek = await gc(['results', ...qa(n), '--peek', '2'])
    expect(peek.stdout).toBe('{"a":1,"b":"x"}\nplain, text\n')
    expect(await r.llen(n.output)).toBe(3)
    const out = join(dir, 'r.jsonl')
    const res = await gc(['results', ...qa(n), '--out', out, '--format', 'jsonl', '--json'])
    expect(res.json).toMatchObject({ written: 3, drained: true, remaining: 0, out })
    expect(readFileSync(out, 'utf8')).toBe('{"a":1,"b":"x"}\n"plain, text"\n{"a":2,"b":"y"}\n')
    expect(await r.llen(n.output)).toBe(0)
    // These results were pushed without counters (no gridcore push): `collected` counts none of them, so they
    // cannot inflate a later watch's progress.
    expect(await r.hget(`${n.input}:stats`, 'collected')).toBeNull()
    await r.lpush(n.output, '{"a":3,"b":"z,z"}', '{"a":4}')
    const csv = join(dir, 'r.csv')
    await gc(['results', ...qa(n), '--out', csv, '--format', 'csv'])
    expect(readFileSync(csv, 'utf8')).toBe('a,b\n3,"z,z"\n4,\n')
    const bad = await gc(['results', ...qa(n), '--json'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--json prints a summary on stdout, so results need --out FILE/)
  })

  it('an interrupted drain (kill -9) loses nothing, repeats nothing, and runs again at once', async () => {
    const n = names()
    const total = 300_000
    for (let i = 0; i < total; i += 10_000)
      await r.lpush(n.output, ...Array.from({ length: 10_000 }, (_, j) => String(i + j)))
    const out = join(dir, 'crash.txt')
    writeFileSync(out, '')
    const p = startCli(['results', ...qa(n), '--out', out])
    while ((await r.llen(n.output)) > total - 50_000) await sleep(5)
    p.child.kill('SIGKILL')
    await p.exited
    // No waiting for the killed drainer's lock: its journal beside the file names it, and it is gone.
    const again = await gc(['results', ...qa(n), '--out', out, '--json'])
    expect(again.code, again.stderr).toBe(0)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(new Set(lines).size).toBe(total)
    expect(lines).toHaveLength(total)
    expect(existsSync(join(dir, '.crash.txt.gridcore-drain'))).toBe(false)
  })
})

describe('gridcore queue', () => {
  it('stats, dead, retry and purge', async () => {
    const n = names()
    await gc(['push', '--range', '1..4', ...qa(n)])
    const c = startConsumer({ url: redis.url, ...n, FAIL_ITEM: '3', IDLE_EXIT_MS: 300 })
    await c.exited
    const stats = await gc(['queue', 'stats', ...qa(n), '--json'])
    expect(stats.json).toMatchObject({
      input: 0,
      output: 3,
      failed: 1,
      stats: { pushed: 4, done: 3, failed: 1 },
    })
    const failed = await gc(['queue', 'dead', ...qa(n), '--failed', '--json'])
    expect(failed.json.items).toEqual([
      expect.objectContaining({ item: '3', error: 'cannot process 3', attempts: 1 }),
    ])
    const retry = await gc(['queue', 'retry', ...qa(n), '--json'])
    expect(retry.json).toEqual({ retried: { failed: 1, dead: 0 } })
    expect(await r.lrange(n.input, 0, -1)).toEqual(['3'])
    const noYes = await gc(['queue', 'purge', ...qa(n)])
    expect(noYes.code).toBe(2)
    expect(noYes.stderr).toMatch(/pass --yes/)
    expect(await r.llen(n.input)).toBe(1)
    // A purge keeps the results and the contribution ledger that accounts for them; --results deletes both.
    const ledger = `${n.input}:ledger`
    expect(Object.keys(await r.hgetall(ledger))).toHaveLength(2)
    expect((await gc(['queue', 'purge', ...qa(n), '--yes'])).code).toBe(0)
    expect(await r.exists(n.input, `${n.input}:stats`, `${n.input}:failed`)).toBe(0)
    expect(await r.exists(n.output, ledger)).toBe(2)
    const purged = await gc(['queue', 'purge', ...qa(n), '--yes', '--results', '--json'])
    expect(purged.json.keys_deleted).toBe(2)
    expect(await r.exists(n.input, n.output, `${n.input}:stats`, `${n.input}:failed`, ledger)).toBe(0)
    const rec = await gc(['queue', 'recover', ...qa(n), '--json'])
    expect(rec.json).toEqual({ recovered: 0, dead: 0, consumers: [] })
  })
})

describe('end to end (the issue’s "done when")', () => {
  it('1,000,000 lines: a reliable and an upstream BRPOP consumer drain it, watch ends at 100 %, results hold one line per item', async () => {
    const n = names()
    const file = join(dir, 'n.txt')
    writeFileSync(file, `${Array.from({ length: 1_000_000 }, (_, i) => i + 1).join('\n')}\n`)
    const p = await gc(['push', file, ...qa(n), '--json'])
    expect(p.json.pushed).toBe(1_000_000)
    const upstream = start(
      '/usr/bin/python3',
      [
        '-c',
        `import os, redis
r = redis.from_url(os.environ["INPUT_REDIS_URL"])
while True:
    got = r.brpop(os.environ["INPUT_QUEUE"], timeout=2)
    if got is None:
        break
    r.lpush(os.environ["OUTPUT_QUEUE"], got[1].decode() + ":upstream")`,
      ],
      { INPUT_REDIS_URL: redis.url, INPUT_QUEUE: n.input, OUTPUT_QUEUE: n.output },
    )
    const reliable = startConsumer({ url: redis.url, ...n, BATCH: 500, IDLE_EXIT_MS: 2000 })
    const w = await gc(['watch', ...qa(n), '--json', '--interval', '0.5'], { timeoutMs: 120_000 })
    expect(w.code, w.stderr).toBe(0)
    expect(w.json).toMatchObject({ drained: true, total: 1_000_000, done: 1_000_000 })
    await reliable.exited
    await upstream.exited
    expect(upstream.err()).toBe('')
    const out = join(dir, 'e2e.jsonl')
    const res = await gc(['results', ...qa(n), '--out', out, '--format', 'jsonl', '--json'], {
      timeoutMs: 120_000,
    })
    expect(res.json.written).toBe(1_000_000)
    const ids = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as string).split(':')[0])
    expect(ids.length).toBe(1_000_000)
    expect(new Set(ids).size).toBe(1_000_000)
  }, 180_000)
})
