#!/usr/bin/env node
// Benchmark (issue 10): items/s of `gridcore worker` (the `run --command` worker) over a Python line filter that
// raises on 1 item in 1,000, against the same filter raising on none, in the same run. Each raise kills the
// filter; the worker fails that item with the traceback, commits what was answered and goes on with a new filter.
// Usage: node bench/filter-failures.mjs [--items 200000] [--workers 2] [--work-us 0] [--runs 3]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BIN, fmt, median, startRedis } from './lib.mjs'

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '200000' },
    workers: { type: 'string', default: '2' },
    'work-us': { type: 'string', default: '0' },
    runs: { type: 'string', default: '3' },
  },
})
const N = Number(values.items)
const WORKERS = Number(values.workers)
const RUNS = Number(values.runs)
const dir = mkdtempSync(join(tmpdir(), 'gridcore-bench-filter-'))
const filter = join(dir, 'filter.py')
writeFileSync(
  filter,
  `import os, sys, time
every = int(os.environ["RAISE_EVERY"])
work = ${Number(values['work-us'])} / 1e6
for line in sys.stdin:
    n = int(line)
    if every and n % every == 0:
        raise ValueError("item %d is bad" % n)
    if work:
        end = time.perf_counter() + work
        while time.perf_counter() < end:
            pass
    print(n * n, flush=True)
`,
)
const redis = await startRedis()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Steady items/s: from the first settled item to the last, with every worker already started. */
async function through(raiseEvery, q) {
  const cli = (...a) => redis.cli(...a)
  const push = spawnSync(process.execPath, [
    BIN,
    'push',
    '--redis',
    redis.url,
    '--queue',
    q,
    '--range',
    `1..${N}`,
  ])
  if (push.status !== 0) throw new Error(`push failed: ${push.stderr}`)
  const env = {
    ...process.env,
    INPUT_REDIS_URL: redis.url,
    INPUT_QUEUE: q,
    OUTPUT_QUEUE: `${q}:out`,
    NODE_ID: 'bench',
    RAISE_EVERY: String(raiseEvery),
  }
  const workers = Array.from({ length: WORKERS }, (_, i) =>
    spawn(process.execPath, [BIN, 'worker', '--filter', `/usr/bin/python3 -u ${filter}`], {
      env: { ...env, INSTANCE_ID: String(i) },
      stdio: ['ignore', 'ignore', 'ignore'],
    }),
  )
  const settled = () => {
    const [done, failed] = cli('hmget', `${q}:stats`, 'done', 'failed').split('\n').map(Number)
    return (done || 0) + (failed || 0)
  }
  let first
  for (;;) {
    const n = settled()
    const now = performance.now()
    if (!first && n > 0) first = { n, t: now }
    if (n >= N) {
      for (const w of workers) w.kill('SIGTERM')
      await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))))
      const failed = Number(cli('hget', `${q}:stats`, 'failed'))
      const expected = raiseEvery ? Math.floor(N / raiseEvery) : 0
      if (failed !== expected) throw new Error(`${q}: ${failed} failed, expected ${expected}`)
      cli('del', q, `${q}:out`, `${q}:stats`, `${q}:failed`, `${q}:consumers`)
      return (N - first.n) / ((now - first.t) / 1000)
    }
    await sleep(20)
  }
}

try {
  const clean = []
  const failing = []
  for (let i = 0; i < RUNS; i++) {
    clean.push(await through(0, `bench:clean:${i}`))
    failing.push(await through(1000, `bench:failing:${i}`))
  }
  const c = median(clean)
  const f = median(failing)
  console.log(
    `gridcore worker x${WORKERS}, Python line filter, ${N.toLocaleString()} items, ${values['work-us']} µs of work an item; ${RUNS} runs, medians`,
  )
  console.log(`clean (no item raises)          ${fmt(c / 1000, 1).padStart(7)}k items/s`)
  console.log(`1 item in 1,000 raises          ${fmt(f / 1000, 1).padStart(7)}k items/s`)
  console.log(`ratio clean / failing           ${fmt(c / f, 2).padStart(7)}x  (target <= 2x)`)
} finally {
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
}
