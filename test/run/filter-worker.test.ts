// The line-filter worker (`gridcore worker`, the real CLI) against redis-server: filters that raise, write too
// many lines or cannot start, and items that are not UTF-8, pushed and collected by the real CLI.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords, snapshot } from '../../src/queue/ops.js'
import { runCli } from '../helpers/cli.js'
import { type Proc, sleep, startCli } from '../helpers/procs.js'
import { queueNames } from '../helpers/queues.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const t = useTestRedis()
const dir = tempDir()
/** Writes a Python filter under the test directory; its path. */
const pyFile = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}
const names = () => queueNames('fw')
type Q = { input: string; output: string }

const worker = (q: Q, filter: string, args: string[] = []): Proc =>
  startCli(['worker', '--filter', filter, '--json', ...args], {
    INPUT_REDIS_URL: t.redis.url,
    OUTPUT_REDIS_URL: t.redis.url,
    INPUT_QUEUE: q.input,
    OUTPUT_QUEUE: q.output,
    NODE_ID: 'fw',
    INSTANCE_ID: '0',
  })

async function pushRange(q: Q, n: number) {
  const r = await runCli(['push', '--redis', t.redis.url, '--queue', q.input, '--range', `1..${n}`])
  expect(r.code, r.stderr).toBe(0)
}

/** Waits until every pushed item reached an end, then stops the worker gracefully; returns its summary. */
async function finish(q: Q, w: Proc, timeoutMs = 60_000, onDone?: () => void) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    if (s.stats.done! + s.stats.failed! + s.stats.dead! >= s.stats.pushed!) break
    if (Date.now() > deadline) throw new Error(`worker did not finish: ${JSON.stringify(s)}\n${w.err()}`)
    if (w.child.exitCode !== null) throw new Error(`worker exited early: ${w.err()}`)
    await sleep(50)
  }
  onDone?.()
  w.child.kill('SIGTERM')
  expect((await w.exited).code, w.err()).toBe(0)
  return JSON.parse(w.out())
}

describe('a filter that raises', () => {
  /** A filter that raises on every item n with n % 250 == 37 (4 in 1,000) and doubles the others; its path. */
  const raises = () =>
    pyFile(
      'raises.py',
      'import sys\nfor line in sys.stdin:\n    n = int(line)\n    if n % 250 == 37:\n        raise ValueError("bad item %d" % n)\n    print(n * 2, flush=True)\n',
    )

  it('the item in hand fails with its traceback, answered items commit, the rest goes to a new filter', async () => {
    const q = names()
    await pushRange(q, 1000)
    const w = worker(q, `/usr/bin/python3 -u ${raises()}`)
    const summary = await finish(q, w)
    expect(summary).toMatchObject({ done: 996, failed: 4, filter_restarts: 4, failed_batches: 0 })
    const failed = await listRecords(t.r, `${q.input}:failed`, 10)
    expect(failed.map((f) => f.item).sort()).toEqual(['287', '37', '537', '787'])
    for (const f of failed) {
      expect(f.error).toMatch(/^the filter exited with code 1: Traceback \(most recent call last\):/)
      expect(f.error).toContain(`ValueError: bad item ${f.item}`)
      expect(f.error!.length).toBeLessThanOrEqual(4200)
      expect(f.attempts).toBe(1)
    }
    const results = (await t.r.lrange(q.output, 0, -1)).map(Number).sort((a, b) => a - b)
    const expected = Array.from({ length: 1000 }, (_, i) => i + 1)
      .filter((n) => n % 250 !== 37)
      .map((n) => n * 2)
    expect(results).toEqual(expected)
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(s.stats).toMatchObject({ pushed: 1000, done: 996, failed: 4, dead: 0, recovered: 0 })
    expect(w.err()).toContain('ValueError: bad item 537') // the filter's stderr still reaches the worker's
  }, 60_000)

  it('a filter that left a process behind holding its output (cmd &) is seen to exit all the same', async () => {
    const q = names()
    await pushRange(q, 1000)
    // The background sleep keeps the filter's stderr and stdout open after python3 exits: waiting for them to close,
    // the worker saw no exit, and gave the batch back as silent after --item-timeout.
    const w = worker(q, `sleep 30 & exec /usr/bin/python3 -u ${raises()}`, ['--item-timeout', '10'])
    const summary = await finish(q, w, 30_000)
    expect(summary).toMatchObject({ done: 996, failed: 4, filter_restarts: 4, failed_batches: 0 })
    // Its traceback is still the error: what it wrote on stderr before it exited was read.
    for (const f of await listRecords(t.r, `${q.input}:failed`, 10))
      expect(f.error).toContain(`ValueError: bad item ${f.item}`)
  }, 60_000)

  it('a filter that cannot start stops the worker with its error and hands the batch back untouched', async () => {
    const q = names()
    await pushRange(q, 50)
    const w = worker(q, 'no-such-filter-command --x')
    const { code } = await w.exited
    expect(code).toBe(3)
    expect(w.err()).toMatch(/the filter cannot run .*no-such-filter-command: not found/)
    const s = await snapshot(t.r, queueKeys(q.input, q.output))
    expect(s).toMatchObject({ input: 50, processing: 0, failed: 0, dead: 0, suspects: 0 })
  }, 30_000)
})

describe('a filter that writes more lines than items', () => {
  it('fails the batch instead of committing shifted results (every line doubled)', async () => {
    const q = names()
    await pushRange(q, 300)
    const w = worker(q, "awk -W interactive '{ print; print }'")
    const summary = await finish(q, w)
    expect(summary).toMatchObject({ done: 0, failed: 300 })
    expect(await t.r.llen(q.output)).toBe(0)
    const [f] = await listRecords(t.r, `${q.input}:failed`, 1)
    expect(f!.error).toMatch(
      /^the filter wrote \d+ lines for 100 items for this batch: a line filter must write exactly one line per item/,
    )
  }, 60_000)

  it('one extra line for one item fails that batch only; every committed result is its own item’s', async () => {
    const q = names()
    await pushRange(q, 500)
    const w = worker(q, `awk -W interactive '{ print "r" $0 } $0 == "170" { print "extra" }'`)
    const summary = await finish(q, w)
    expect(summary).toMatchObject({ done: 400, failed: 100 })
    const failed = await listRecords(t.r, `${q.input}:failed`, 200)
    expect(failed.map((f) => Number(f.item)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => 101 + i),
    )
    expect(failed[0]!.error).toMatch(/^the filter wrote 101 lines for 100 items/)
    const results = await t.r.lrange(q.output, 0, -1)
    expect(results.sort()).toEqual(
      Array.from({ length: 500 }, (_, i) => i + 1)
        .filter((n) => n < 101 || n > 200)
        .map((n) => `r${n}`)
        .sort(),
    )
  }, 60_000)
})

describe('items are bytes end to end', () => {
  it('push -> worker with cat -> results keeps invalid UTF-8 byte for byte', async () => {
    const q = names()
    const items = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0x80]),
      Buffer.from([0x61, 0xe2, 0x82]),
      Buffer.from([0xc3, 0x28, 0x00, 0x09]),
      Buffer.from('plain ✓'),
    ]
    const input = join(dir, 'bytes.txt')
    writeFileSync(input, Buffer.concat(items.flatMap((i) => [i, Buffer.from('\n')])))
    const p = await runCli(['push', input, '--redis', t.redis.url, '--queue', q.input, '--json'])
    expect(p.json).toMatchObject({ pushed: items.length })
    expect(await t.r.lrangeBuffer(q.input, 0, -1)).toEqual([...items].reverse())
    const w = worker(q, 'cat')
    await finish(q, w)
    const out = join(dir, 'bytes-out.bin')
    const r = await runCli([
      'results',
      '--redis',
      t.redis.url,
      '--queue',
      q.input,
      '--output-queue',
      q.output,
      '--out',
      out,
    ])
    expect(r.code, r.stderr).toBe(0)
    const got = readFileSync(out)
    const lines: Buffer[] = []
    for (let at = 0; at < got.length; ) {
      const nl = got.indexOf(10, at)
      lines.push(got.subarray(at, nl))
      at = nl + 1
    }
    const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex')).sort()
    expect(hex(lines)).toEqual(hex(items))
  }, 60_000)
})

describe('reading a flushing filter', () => {
  it('reads its answers in a few large reads, not one wake-up every few lines', async () => {
    const q = names()
    const script = pyFile(
      'sqrt.py',
      'import math, sys\nfor line in sys.stdin:\n    print(math.sqrt(float(line)))\n',
    )
    await pushRange(q, 200_000)
    const w = worker(q, `/usr/bin/python3 -u ${script}`)
    let reads = Number.NaN
    const summary = await finish(q, w, 60_000, () => {
      reads = Number(/syscr: (\d+)/.exec(readFileSync(`/proc/${w.child.pid}/io`, 'utf8'))![1])
    })
    expect(summary).toMatchObject({ done: 200_000, failed: 0 })
    // Read syscalls of the worker, start-up and Redis included: reading each line as it came took about 42,000
    // here (a core to spare wakes the worker for nearly every line); paced, about 12,000.
    expect(reads).toBeLessThan(25_000)
  }, 60_000)

  it('a slow filter is never taken for a silent one: the reads it waits for come within the item timeout', async () => {
    const q = names()
    const script = pyFile(
      'slow.py',
      'import sys, time\nfor line in sys.stdin:\n    time.sleep(0.025)\n    print(line.strip() + ":ok", flush=True)\n',
    )
    await pushRange(q, 200)
    // Paced by the first batch (25 ms a line), the second one's first read came 1.25 s after it was fed.
    const w = worker(q, `/usr/bin/python3 -u ${script}`, ['--item-timeout', '1', '--max-attempts', '1'])
    const summary = await finish(q, w)
    expect(summary).toMatchObject({ done: 200, failed: 0, failed_batches: 0 })
    expect(await t.r.hget(`${q.input}:stats`, 'dead')).toBe(null)
  }, 60_000)

  it('a filter slow for its first items and fast after is not held to its first pace', async () => {
    const q = names()
    const script = pyFile(
      'speeds-up.py',
      'import sys, time\nn = 0\nfor line in sys.stdin:\n    n += 1\n    if n <= 200:\n        time.sleep(0.005)\n    print(line.strip() + ":ok", flush=True)\n',
    )
    await pushRange(q, 30_000)
    const t0 = Date.now()
    const w = worker(q, `/usr/bin/python3 -u ${script}`)
    // 1 s of slow items, then about 0.1 s of fast ones; paced by the slow ones it took minutes.
    const summary = await finish(q, w, 20_000)
    expect(summary).toMatchObject({ done: 30_000, failed: 0 })
    expect(Date.now() - t0).toBeLessThan(20_000)
    const results = await t.r.lrange(q.output, 0, -1)
    expect(new Set(results).size).toBe(30_000)
    expect(results.every((r) => /^\d+:ok$/.test(r))).toBe(true)
  }, 60_000)
})
