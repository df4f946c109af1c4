// gridcore watch, the real CLI: progress after mixing tools, the rate of a watch, and --finish with upstream
// BRPOP consumers run by a real node (they hold an item each where no list shows it).
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { startNodeProc } from '../helpers/node.js'
import { startConsumer } from '../helpers/procs.js'
import { queueFlags, queueNames } from '../helpers/queues.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const t = useTestRedis()
const dir = tempDir()
const home = join(dir, 'home')
const UPSTREAM = fileURLToPath(new URL('../fixtures/upstream_consumer.py', import.meta.url))
let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub({ dir })
  const c = await gc([
    'connect',
    '--name',
    'w',
    '--hub',
    hub.url,
    '--token',
    hub.token,
    '--redis',
    t.redis.url,
  ])
  expect(c.code, c.stderr).toBe(0)
})
afterAll(() => hub?.stop())

const gc = (args: string[], timeoutMs = 60_000) => runCli(args, { env: { GRIDCORE_HOME: home }, timeoutMs })
const names = () => queueNames('w')
const qa = (n: { input: string; output: string }) => queueFlags(t.redis.url, n)
const events = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

describe('progress after mixing tools', () => {
  it('an upstream producer, results, then push: done never passes total, and the rate is over the watch', async () => {
    const n = names()
    // Earlier work on the same queues without counters: results of an upstream consumer, drained.
    await t.r.lpush(n.output, ...Array.from({ length: 5000 }, (_, i) => `old${i}`))
    const drained = await gc(['results', ...qa(n), '--out', join(dir, `old-${n.input}.txt`), '--json'])
    expect(drained.json).toMatchObject({ written: 5000, drained: true })
    // An upstream producer adds 1,000 items without counters; gridcore push adds 3,000 counted ones.
    await t.r.lpush(n.input, ...Array.from({ length: 1000 }, (_, i) => String(10_000 + i)))
    expect((await gc(['push', '--range', '1..3000', ...qa(n)])).code).toBe(0)
    const c = startConsumer({ url: t.redis.url, ...n, SLOW_MS: 1, SLOW_EVERY: 5, IDLE_EXIT_MS: 3000 })
    const w = await gc(['watch', ...qa(n), '--interval', '0.2', '--json'])
    expect(w.code, w.stderr).toBe(0)
    const progress = events(w.stderr).filter((e) => e.type === 'progress')
    expect(progress.length).toBeGreaterThan(1)
    for (const p of progress) {
      expect(p.done).toBeLessThanOrEqual(p.total)
      expect(p.total).toBeGreaterThanOrEqual(3000)
      if (p.total - p.done > 0 && p.rate > 0) expect(p.eta_s).not.toBeNull()
    }
    expect(progress[0].done).toBeLessThan(4000) // the 5,000 old results are not this task's
    expect(w.json).toMatchObject({ drained: true, total: 4000, done: 4000 })
    expect(w.json.rate).toBeLessThanOrEqual(Math.ceil(4000 / Math.max(w.json.seconds - 0.2, 0.1)))
    await c.exited
    // Watching a queue that is already drained: nothing was done during this watch.
    const again = await gc(['watch', ...qa(n), '--json'])
    expect(again.json).toMatchObject({ drained: true, done: 4000, rate: 0 })
  }, 60_000)
})

describe('--finish with upstream consumers and no counters', () => {
  it('waits for the items BRPOP consumers hold: the output settles and every node’s instances are idle', async () => {
    const n = names()
    const items = Array.from({ length: 6 }, (_, i) => String(i + 1))
    await t.r.lpush(n.input, ...items) // an upstream producer: no counters
    const reg = await gc([
      'task',
      'register',
      '--name',
      `up-${n.input}`,
      '--command',
      `SLEEP_S=2 /usr/bin/python3 -u ${UPSTREAM}`,
      '--shell',
      '--input-queue',
      n.input,
      '--output-queue',
      n.output,
    ])
    expect(reg.code, reg.stderr).toBe(0)
    const node = startNodeProc(dir, hub, { env: { GRIDCORE_HOME: home } })
    try {
      const w = await gc(['watch', '--finish', '--json', '--interval', '0.3'], 90_000)
      expect(w.code, w.stderr).toBe(0)
      expect(w.json).toMatchObject({ drained: true, finished: { completed: `up-${n.input}` } })
      // Every item had its result before the task was finished (finishing stops the consumers).
      expect(await t.r.llen(n.output)).toBe(items.length)
    } finally {
      node.child.kill('SIGTERM')
      await node.exited
    }
  }, 120_000)
})
