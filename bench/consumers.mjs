#!/usr/bin/env node
// Benchmark (issue 6): items/s through a local cluster (embedded engine, process runtime, parallelism 2) with
// the Node template's reliable consumer, against the IDM-GridCore skill's consumer pattern (Python, BRPOP +
// LPUSH per item) on the same cluster. Usage: node bench/consumers.mjs [--items 1000000] [--python-items 100000] [--runs 3]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BIN, fmt, gridcore, median, requireCommand, upArgs } from './lib.mjs'

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '1000000' },
    'python-items': { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
  },
})
const N = Number(values.items)
const PY_N = Number(values['python-items'])
const RUNS = Number(values.runs)
requireCommand('redis-server', 'redis-server')
if (spawnSync('/usr/bin/python3', ['-c', 'import redis']).status !== 0) {
  console.error('bench: python3-redis is missing (apt-get install python3-redis)')
  process.exit(2)
}
const home = mkdtempSync(join(tmpdir(), 'gridcore-bench-consumers-'))
const env = { ...process.env, GRIDCORE_HOME: home }
const run = gridcore(env, home)
const gc = (...args) => run(...args).json
writeFileSync(
  join(home, 'brpop.py'),
  `import math, os, redis
r_in = redis.from_url(os.environ["INPUT_REDIS_URL"])
r_out = redis.from_url(os.environ.get("OUTPUT_REDIS_URL") or os.environ["INPUT_REDIS_URL"])
while True:
    got = r_in.brpop(os.environ["INPUT_QUEUE"], timeout=5)
    if got is None:
        continue
    n = float(got[1])
    r_out.lpush(os.environ["OUTPUT_QUEUE"], "%s:%s" % (n, math.sqrt(n)))
`,
)
try {
  gc(...(await upArgs()))
  gc('init', '--template', 'node', '--name', 'bench', '--dir', join(home, 'consumer'), '--json')
  /**
   * Items/s through the cluster, two ways: steady state (gridcore watch's progress events, from the first
   * item done to the last) and end to end (registering the task, items already queued, until drained).
   */
  const through = (name, command, items) => {
    const q = `bench:${name}:in`
    const out = `bench:${name}:out`
    gc('push', '--range', `1..${items}`, '--queue', q, '--json')
    const t0 = performance.now()
    gc(
      'task',
      'register',
      '--name',
      name,
      '--command',
      command,
      '--shell',
      '--input-queue',
      q,
      '--output-queue',
      out,
      '--json',
    )
    const w = spawnSync(
      process.execPath,
      [BIN, 'watch', '--queue', q, '--output-queue', out, '--interval', '0.05'],
      { env, encoding: 'utf8', maxBuffer: 1 << 26 },
    )
    const endToEnd = items / ((performance.now() - t0) / 1000)
    const events = w.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const first = events.find((e) => e.type === 'progress' && e.done > 0)
    const last = events.find((e) => e.type === 'progress' && e.done >= items)
    const summary = events.at(-1)
    gc('task', 'finish', '--json')
    gc('queue', 'purge', '--queue', q, '--output-queue', out, '--results', '--yes', '--json')
    if (summary.done !== items) throw new Error(`${name}: ${summary.done} of ${items} done`)
    const steady =
      last && first && last.elapsed_s > first.elapsed_s
        ? (last.done - first.done) / (last.elapsed_s - first.elapsed_s)
        : endToEnd
    return { steady, endToEnd }
  }
  const node = []
  const py = []
  for (let i = 0; i < RUNS; i++) {
    node.push(through(`node-${i}`, `node ${join(home, 'consumer', 'consumer.mjs')}`, N))
    py.push(through(`py-${i}`, `/usr/bin/python3 -u ${join(home, 'brpop.py')}`, PY_N))
  }
  const ns = median(node.map((r) => r.steady))
  const ps = median(py.map((r) => r.steady))
  const ne = median(node.map((r) => r.endToEnd))
  const pe = median(py.map((r) => r.endToEnd))
  console.log(
    `local cluster, process runtime, parallelism 2; ${RUNS} runs, medians; items are queued before the task starts`,
  )
  console.log(
    `                                   steady state (watch)     end to end (register -> drained, CLI start-ups included)`,
  )
  console.log(
    `Node template (reliable protocol)   ${fmt(ns / 1000, 1).padStart(7)}k items/s          ${fmt(ne / 1000, 1)}k items/s   (${N.toLocaleString()} items)`,
  )
  console.log(
    `Python BRPOP + LPUSH per item      ${fmt(ps / 1000, 2).padStart(7)}k items/s          ${fmt(pe / 1000, 2)}k items/s   (${PY_N.toLocaleString()} items)`,
  )
  console.log(
    `ratio                              ${fmt(ns / ps, 1).padStart(7)}x  (target >= 50x)     ${fmt(ne / pe, 1)}x`,
  )
} finally {
  spawnSync(process.execPath, [BIN, 'down'], { env })
  rmSync(home, { recursive: true, force: true })
}
