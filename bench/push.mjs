#!/usr/bin/env node
// Benchmark: `gridcore push` of an N-line file vs `redis-cli --pipe` (the same file as RESP LPUSH commands)
// and vs the seed's Python batch loop (LPUSH of 1,000 items per call, no pipeline); plus gridcore's peak RSS.
// Usage: node bench/push.mjs [--lines 10000000] [--runs 3] [--python-lines 1000000]
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BIN, fmt, median, requireCommand, startRedis, timed } from './lib.mjs'

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '10000000' },
    runs: { type: 'string', default: '3' },
    'python-lines': { type: 'string' },
  },
})
const N = Number(values.lines)
const RUNS = Number(values.runs)
const PY_N = Number(values['python-lines'] ?? Math.min(N, 1_000_000))
requireCommand('redis-cli', 'redis-tools')
requireCommand('python3', 'python3')
if (!existsSync(new URL('../dist/commands', import.meta.url))) {
  console.error('bench: run npm run build first')
  process.exit(2)
}

const dir = mkdtempSync(join(tmpdir(), 'gridcore-bench-push-'))
async function writeFiles(n, name) {
  const txt = join(dir, `${name}.txt`)
  const resp = join(dir, `${name}.resp`)
  const a = createWriteStream(txt)
  const b = createWriteStream(resp)
  const CH = 100_000
  for (let i = 1; i <= n; i += CH) {
    let t = ''
    let r = ''
    for (let j = i; j < Math.min(i + CH, n + 1); j++) {
      const s = String(j)
      t += `${s}\n`
      r += `*3\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$${s.length}\r\n${s}\r\n`
    }
    if (!a.write(t)) await new Promise((res) => a.once('drain', res))
    if (!b.write(r)) await new Promise((res) => b.once('drain', res))
  }
  await Promise.all([new Promise((res) => a.end(res)), new Promise((res) => b.end(res))])
  return { txt, resp }
}

const PY = `
import redis, sys
r = redis.from_url(sys.argv[1])
batch = []
with open(sys.argv[2]) as f:
    for line in f:
        batch.append(line.rstrip('\\n'))
        if len(batch) >= 1000:
            r.lpush('q', *batch)
            batch = []
if batch:
    r.lpush('q', *batch)
`

const redis = await startRedis()
try {
  console.log(`preparing ${N.toLocaleString()} lines (+ RESP copy) in ${dir}`)
  const big = await writeFiles(N, 'big')
  const small = PY_N === N ? big : await writeFiles(PY_N, 'small')
  const check = (n) => {
    const len = Number(redis.cli('llen', 'q'))
    if (len !== n) throw new Error(`expected ${n} items in q, found ${len}`)
    redis.cli('del', 'q', 'q:stats')
  }
  const runs = { gridcore: [], redisCli: [], gridcoreSmall: [], redisCliSmall: [], python: [] }
  let peak = 0
  for (let i = 0; i < RUNS; i++) {
    const g = await timed(process.execPath, [
      BIN,
      'push',
      big.txt,
      '--redis',
      redis.url,
      '--queue',
      'q',
      '--json',
    ])
    check(N)
    runs.gridcore.push(g.seconds)
    peak = Math.max(peak, g.peakMb)
    const c = await timed(
      'redis-cli',
      ['-p', String(redis.port), '-a', redis.password, '--no-auth-warning', '--pipe'],
      { stdinFile: big.resp },
    )
    check(N)
    runs.redisCli.push(c.seconds)
    const gs = await timed(process.execPath, [
      BIN,
      'push',
      small.txt,
      '--redis',
      redis.url,
      '--queue',
      'q',
      '--json',
    ])
    check(PY_N)
    runs.gridcoreSmall.push(gs.seconds)
    const cs = await timed(
      'redis-cli',
      ['-p', String(redis.port), '-a', redis.password, '--no-auth-warning', '--pipe'],
      { stdinFile: small.resp },
    )
    check(PY_N)
    runs.redisCliSmall.push(cs.seconds)
    const p = await timed('/usr/bin/python3', ['-c', PY, redis.url, small.txt])
    check(PY_N)
    runs.python.push(p.seconds)
  }
  const g = median(runs.gridcore)
  const c = median(runs.redisCli)
  const gs = median(runs.gridcoreSmall)
  const p = median(runs.python)
  const cs = median(runs.redisCliSmall)
  console.log(
    `file: ${N.toLocaleString()} lines, ${fmt(statSync(big.txt).size / 1e6, 1)} MB; ${RUNS} runs, medians, whole commands`,
  )
  console.log(`gridcore push        ${fmt(g)} s  ${fmt(N / g / 1e6)} M items/s`)
  console.log(`redis-cli --pipe     ${fmt(c)} s  ${fmt(N / c / 1e6)} M items/s`)
  console.log(`ratio vs redis-cli   ${fmt(c / g)}x at ${N.toLocaleString()}  (target >= 1.5x at 10M)`)
  console.log(
    `ratio vs redis-cli   ${fmt(cs / gs)}x at ${PY_N.toLocaleString()}  (${fmt(gs)} s vs ${fmt(cs)} s; target >= 1.0x at 1M)`,
  )
  console.log(
    `python batch loop    ${fmt(p)} s for ${PY_N.toLocaleString()} (gridcore ${fmt(gs)} s)  ratio ${fmt(p / gs)}x  (target >= 3x)`,
  )
  console.log(`gridcore peak RSS    ${fmt(peak, 1)} MB  (target <= 150 MB)`)
} finally {
  await redis.stop()
  rmSync(dir, { recursive: true, force: true })
}
