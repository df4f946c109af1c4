#!/usr/bin/env node
// Benchmark (issue 5): seconds from `gridcore up` to a registered, idle node (embedded engine, process
// runtime, local redis-server), and `gridcore run` over 100,000 trivial items end to end, as items/s.
// Usage: node bench/up.mjs [--runs 5] [--items 100000]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BIN, fmt, gridcore, median, requireCommand, upArgs } from './lib.mjs'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, items: { type: 'string', default: '100000' } },
})
const RUNS = Number(values.runs)
const ITEMS = Number(values.items)
requireCommand('redis-server', 'redis-server')
const home = mkdtempSync(join(tmpdir(), 'gridcore-bench-up-'))
const env = { ...process.env, GRIDCORE_HOME: home }
const gc = gridcore(env, home)
try {
  const ups = []
  const runs = []
  for (let i = 0; i < RUNS; i++) {
    const up = gc(...(await upArgs('--engine', 'embedded')))
    if (!up.json.node_id) throw new Error('no node registered')
    ups.push(up.seconds)
    const run = gc(
      'run',
      '--command',
      'cat',
      '--range',
      `1..${ITEMS}`,
      '--output',
      join(home, 'r.txt'),
      '--json',
    )
    if (run.json.done !== ITEMS) throw new Error(`run: ${run.json.done} of ${ITEMS}`)
    runs.push(ITEMS / run.seconds)
    gc('down', '--purge-data', '--json')
  }
  const up = median(ups)
  const rate = median(runs)
  console.log(`${RUNS} runs, medians, whole commands (CLI start-up included)`)
  console.log(
    `gridcore up -> registered idle node   ${fmt(up)} s   (target < 2 s: ${fmt(2 / up)}x under it; the IDM-GridCore skill's 3 minutes: ${fmt(180 / up, 0)}x)`,
  )
  console.log(
    `gridcore run, ${ITEMS.toLocaleString()} items (cat filter)  ${fmt(rate / 1000, 1)}k items/s end to end`,
  )
} finally {
  spawnSync(process.execPath, [BIN, 'down'], { env })
  rmSync(home, { recursive: true, force: true })
}
