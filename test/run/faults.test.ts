// The fault table: for each part killed while a `gridcore run` works — the node, an instance, a filter, Redis (and
// Redis gone for good), `run` itself, `results` mid-drain, Ctrl-C during a stdin push — no item is lost or doubled
// in the final output, and every resumable case resumes with the command its message (or `gridcore runs`) gives.
// Real processes: redis-server with AOF, the hub, a node process with process instances, the CLI.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes } from '../helpers/node.js'
import { type Proc, sleep, startCli, startConsumer } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const FILTER = join(dir, 'fault_filter.py')
const N = 8_000
let hub: TestHub
let redis: TestRedis
let r: Redis
let node: NodeProc
const nodes: NodeProc[] = []

const gc = (args: string[]) => runCli(args, { env: { GRIDCORE_HOME: home }, timeoutMs: 120_000 })
const argv = (command: string) => command.split(' ').slice(1)
const run = (name: string, extra: string[] = [], input?: string): Proc =>
  startCli(
    [
      'run',
      '--command',
      `/usr/bin/python3 -u ${FILTER}`,
      '--name',
      name,
      '-o',
      out(name),
      '--json',
      ...extra,
    ],
    { GRIDCORE_HOME: home },
    input,
  )
const out = (name: string) => join(dir, `${name}.txt`)
const done = async (name: string) =>
  Number((await r.hget(`gridcore:${name}:in:stats`, 'done').catch(() => 0)) ?? 0)
async function whenDone(name: string, atLeast: number, p: Proc): Promise<void> {
  const deadline = Date.now() + 60_000
  while ((await done(name)) < atLeast) {
    if (Date.now() > deadline || p.child.exitCode !== null)
      throw new Error(`${name}: ${atLeast} items were never done: ${p.err().slice(-2000)} ${p.out()}`)
    await sleep(50)
  }
}
/** Lost and doubled items of an output of "<item>:ok" lines, against the items 1..n. */
function lostAndDoubled(file: string, n: number): { lost: number; doubled: number } {
  const ids = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.split(':')[0]))
  const seen = new Set(ids)
  let lost = 0
  for (let i = 1; i <= n; i++) if (!seen.has(i)) lost++
  return { lost, doubled: ids.length - seen.size }
}
async function finishes(p: Proc): Promise<{ code: number | null; json: any }> {
  const { code } = await p.exited
  return { code, json: p.out() ? JSON.parse(p.out()) : undefined }
}
/** Exit 10 (an item in hand when its filter was killed fails): the summary's retry command completes it. */
async function settle(name: string, p: { code: number | null; json: any }): Promise<void> {
  if (p.code === 10) {
    const retried = await gc([...argv(p.json.next.retry), '--json'])
    expect(retried.code, retried.stderr).toBe(0)
  } else expect(p.code, JSON.stringify(p.json)).toBe(0)
  expect(lostAndDoubled(out(name), N)).toEqual({ lost: 0, doubled: 0 })
}
/** Pids of this test's own filter processes (python3 running FILTER). */
function filterPids(): number[] {
  const text = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return text
    .split('\n')
    .map((l) => /^\s*(\d+) (.*)$/.exec(l))
    .filter((m) => m?.[2]?.startsWith(`/usr/bin/python3 -u ${FILTER}`))
    .map((m) => Number(m![1]))
}
/** Pids of the node's running instances, from its instance record. */
function instancePids(nodeId: string): number[] {
  const rec = JSON.parse(readFileSync(join(dir, 'node-state', 'instances', `${nodeId}.json`), 'utf8'))
  return rec.instances.map((i: { pid: number }) => i.pid)
}
/** The test's own client: it waits out the Redis kills quietly. */
function client(): Redis {
  const c = redis.client()
  c.on('error', () => {})
  return c
}
async function restartRedis(): Promise<void> {
  redis = await startTestRedis({
    appendonly: true,
    dir: redis.dir,
    port: redis.port,
    password: redis.password,
  })
  r = client()
}

beforeAll(async () => {
  writeFileSync(
    FILTER,
    'import sys, time\nfor line in sys.stdin:\n    time.sleep(0.0005)\n    print(line.strip() + ":ok", flush=True)\n',
  )
  hub = await startTestHub({ dir })
  mkdirSync(join(dir, 'redis'))
  redis = await startTestRedis({ appendonly: true, dir: join(dir, 'redis') })
  r = client()
  const c = await gc([
    'connect',
    '--name',
    'ft',
    '--hub',
    hub.url,
    '--token',
    hub.token,
    '--redis',
    redis.url,
  ])
  expect(c.code, c.stderr).toBe(0)
  node = startNodeProc(dir, hub, { toml: { parallelism: 2 } })
  nodes.push(node)
  await node.id()
}, 60_000)
afterAll(async () => {
  await stopNodes(nodes)
  await hub?.stop()
  await redis?.stop()
})

describe('fault table: 0 items lost, 0 doubled', () => {
  it('node killed (kill -9) and started again', async () => {
    const p = run('f-node', ['--range', `1..${N}`])
    await whenDone('f-node', N / 5, p)
    node.child.kill('SIGKILL')
    await node.exited
    node = startNodeProc(dir, hub, { config: node.config })
    nodes.push(node)
    await settle('f-node', await finishes(p))
  }, 120_000)

  it('an instance killed (kill -9): the node starts it again and its batch comes back', async () => {
    const p = run('f-instance', ['--range', `1..${N}`])
    await whenDone('f-instance', N / 5, p)
    const pids = instancePids(await node.id())
    expect(pids.length).toBeGreaterThan(0)
    process.kill(pids[0]!, 'SIGKILL')
    await settle('f-instance', await finishes(p))
  }, 120_000)

  it('a filter killed (kill -9): the item in hand fails, and the summary’s retry command completes the output', async () => {
    const p = run('f-filter', ['--range', `1..${N}`])
    await whenDone('f-filter', N / 5, p)
    const pids = filterPids()
    expect(pids.length).toBeGreaterThan(0)
    process.kill(pids[0]!, 'SIGKILL')
    await settle('f-filter', await finishes(p))
  }, 120_000)

  it('Redis killed (kill -9) and restarted from its AOF: run reconnects and completes', async () => {
    const p = run('f-redis', ['--range', `1..${N}`])
    await whenDone('f-redis', N / 5, p)
    redis.proc.kill('SIGKILL')
    await sleep(2_000)
    await restartRedis()
    const end = await finishes(p)
    expect(p.err()).toContain('{"type":"phase","event":"redis","state":"lost"}')
    await settle('f-redis', end)
  }, 120_000)

  it('Redis gone longer than --redis-retry: exit 7 with the resume command, which completes the run once Redis is back', async () => {
    const p = run('f-redis-gone', ['--range', `1..${N}`, '--redis-retry', '3s'])
    await whenDone('f-redis-gone', N / 5, p)
    redis.proc.kill('SIGKILL')
    const end = await finishes(p)
    expect(end.code).toBe(7)
    expect(end.json.error.message).toMatch(
      /^lost Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ and it did not come back within 3s; task f-redis-gone keeps its 8,000 items in Redis\. Resume with: gridcore run --resume f-redis-gone --cluster ft/,
    )
    expect(end.json.error.message).not.toContain(redis.password)
    await restartRedis()
    const resumed = await gc([...argv(end.json.error.resume), '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(lostAndDoubled(out('f-redis-gone'), N)).toEqual({ lost: 0, doubled: 0 })
  }, 120_000)

  it('run killed (kill -9): the resume command gridcore runs gives collects the rest into the same output', async () => {
    const p = run('f-run', ['--range', `1..${N}`])
    await whenDone('f-run', N / 4, p)
    p.child.kill('SIGKILL')
    await p.exited
    const listed = (await gc(['runs', '--json'])).json.runs.find((x: { task: string }) => x.task === 'f-run')
    expect(listed).toMatchObject({ status: 'running', cli_alive: false })
    const resumed = await gc([...argv(listed.next), '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(lostAndDoubled(out('f-run'), N)).toEqual({ lost: 0, doubled: 0 })
  }, 120_000)

  it('results killed (kill -9) mid-drain three times, then run again: every result once, no lock to wait for', async () => {
    const q = { input: 'f-results:in', output: 'f-results:out' }
    const total = 300_000
    for (let i = 0; i < total; i += 10_000)
      await r.lpush(q.output, ...Array.from({ length: 10_000 }, (_, j) => `${i + j + 1}:ok`))
    await r.hset(`${q.input}:stats`, { pushed: total, done: total })
    const file = out('f-results')
    const args = [
      'results',
      '--redis',
      redis.url,
      '--queue',
      q.input,
      '--output-queue',
      q.output,
      '--out',
      file,
    ]
    for (let kill = 0; kill < 3; kill++) {
      const left = await r.llen(q.output)
      const p = startCli([...args], { GRIDCORE_HOME: home })
      while ((await r.llen(q.output)) > left - 40_000 && p.child.exitCode === null) await sleep(2)
      p.child.kill('SIGKILL')
      await p.exited
    }
    const again = await gc([...args, '--json'])
    expect(again.code, again.stderr).toBe(0)
    const ids = readFileSync(file, 'utf8').split('\n').filter(Boolean)
    expect(ids).toHaveLength(total)
    expect(new Set(ids).size).toBe(total)
  }, 120_000)

  it('Ctrl-C during a stdin push: the pushed part stays registered, and the resume command runs exactly it', async () => {
    const p = run('f-stdin')
    let fed = 0
    const feeder = (async () => {
      while (p.child.exitCode === null && fed < 200_000) {
        const chunk = Array.from({ length: 200 }, (_, i) => String(fed + i + 1)).join('\n')
        fed += 200
        p.child.stdin!.write(`${chunk}\n`)
        await sleep(20)
      }
    })()
    // Ctrl-C once the push is under way (after start-up, while stdin keeps coming).
    while (!p.err().includes('"event":"pushing"') || fed < 3000) await sleep(20)
    await sleep(300)
    p.child.kill('SIGINT')
    const end = await finishes(p)
    await feeder
    expect(end.code).toBe(130)
    const m =
      /^interrupted while pushing from stdin: ([\d,]+) items reached Redis; task f-stdin keeps its ([\d,]+) items in Redis\. Resume with: (gridcore run --resume f-stdin --cluster ft)/.exec(
        end.json.error.message,
      )
    expect(m, end.json.error.message).toBeTruthy()
    const pushed = Number(m![1]!.replace(/,/g, ''))
    expect(pushed).toBeGreaterThan(0)
    expect(pushed).toBe(end.json.error.pushed)
    const resumed = await gc([...argv(m![3]!), '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json).toMatchObject({ items: pushed, done: pushed })
    // The pushed part is a prefix of what was fed: items 1..pushed, each once.
    expect(lostAndDoubled(out('f-stdin'), pushed)).toEqual({ lost: 0, doubled: 0 })
    expect(readFileSync(out('f-stdin'), 'utf8').split('\n').filter(Boolean)).toHaveLength(pushed)
  }, 120_000)
})

describe('watch and a lost Redis', () => {
  it('rides out a Redis restart (exit 0, drained), and exits 7 naming the URL when Redis stays gone', async () => {
    const q = { input: 'w-redis:in', output: 'w-redis:out' }
    const flags = ['--redis', redis.url, '--queue', q.input, '--output-queue', q.output]
    expect((await gc(['push', '--range', '1..4000', ...flags])).code).toBe(0)
    const consumer = startConsumer({ url: redis.url, ...q, SLOW_MS: 2, SLOW_EVERY: 1, IDLE_EXIT_MS: 5_000 })
    const w = startCli(['watch', ...flags, '--interval', '0.2', '--json'], {
      GRIDCORE_HOME: home,
    })
    while (Number((await r.hget(`${q.input}:stats`, 'done')) ?? 0) < 500) await sleep(50)
    redis.proc.kill('SIGKILL')
    await sleep(1_500)
    await restartRedis()
    expect((await w.exited).code, w.err().slice(-1000)).toBe(0)
    expect(JSON.parse(w.out())).toMatchObject({ drained: true, done: 4000 })
    expect(w.err()).toContain('gridcore: lost the connection to Redis; reconnecting')
    consumer.child.kill('SIGTERM')
    await consumer.exited
    expect((await gc(['push', '--range', '1..10', ...flags])).code).toBe(0)
    const gone = startCli(['watch', ...flags, '--redis-retry', '2s', '--json'], {
      GRIDCORE_HOME: home,
    })
    while (!gone.err().includes('"type":"progress"')) await sleep(50)
    redis.proc.kill('SIGKILL')
    expect((await gone.exited).code).toBe(7)
    expect(JSON.parse(gone.out()).error.message).toMatch(
      /^lost Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ and it did not come back within 2s: the items stay in Redis; run gridcore watch again once it is back$/,
    )
    await restartRedis()
  }, 120_000)
})
