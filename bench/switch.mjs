#!/usr/bin/env node
// Benchmark (issue 14): seconds from a task being finished — by `task finish`, by auto-finish, or by preemption —
// to the next task's first committed item on a node (embedded hub and node, process runtime, the Node template's
// consumer), median of N runs per case, each with its ratio against the 1 s target. The reference, measured in the
// same run: a node that does not long-poll (it sees the change at its next task poll, 10 s apart by default).
// Usage: node bench/switch.mjs [--runs 5] [--poll-interval 10s]
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { BIN, fmt, freePort, median, startRedis } from './lib.mjs'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, 'poll-interval': { type: 'string', default: '10s' } },
})
const RUNS = Number(values.runs)
const home = mkdtempSync(join(tmpdir(), 'gridcore-bench-switch-'))
const env = { ...process.env, GRIDCORE_HOME: home, NO_COLOR: '1' }
const token = randomBytes(16).toString('hex')
const children = []
const daemon = (args) => {
  const c = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  c.stderr.on('data', (d) => {
    err += d
  })
  children.push(c)
  return { child: c, err: () => err }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const redis = await startRedis()
const r = new Redis(redis.url)
const port = await freePort()
const hubUrl = `http://127.0.0.1:${port}`
let node
try {
  const scaffold = spawnSync(
    process.execPath,
    [BIN, 'init', '--template', 'node', '--name', 'sw', '--dir', join(home, 'sw'), '--json'],
    {
      env,
      encoding: 'utf8',
    },
  )
  if (scaffold.status !== 0) throw new Error(`gridcore init failed: ${scaffold.stderr}`)
  const consumer = ['node', join(home, 'sw', 'consumer.mjs')]
  const hub = daemon([
    'hub',
    'start',
    '--bind',
    `127.0.0.1:${port}`,
    '--token',
    token,
    '--state-file',
    join(home, 'hub.json'),
    '--auto-finish-interval',
    '100ms',
  ])
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${hubUrl}/health`)).ok) break
    } catch {}
    if (i > 200) throw new Error(`the hub did not start: ${hub.err()}`)
    await sleep(50)
  }
  const api = async (method, path, body) => {
    const res = await fetch(`${hubUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  const startNode = async (longPoll) => {
    const config = join(home, `gridnode-${longPoll ? 'lp' : 'poll'}.toml`)
    writeFileSync(
      config,
      `server_url = "${hubUrl}"\ntoken = "${token}"\nparallelism = 2\nruntime = "process"\nallowed_commands = ["*"]\nstop_timeout = 5\nheartbeat_interval = 1\n`,
    )
    const n = daemon([
      'node',
      'start',
      '--config',
      config,
      '--log-format',
      'json',
      '--task-poll-interval',
      values['poll-interval'],
      ...(longPoll ? [] : ['--no-long-poll']),
      '--state-dir',
      join(home, 'node'),
    ])
    for (let i = 0; !/registered with/.test(n.err()); i++) {
      if (i > 400) throw new Error(`the node did not register: ${n.err()}`)
      await sleep(50)
    }
    return n
  }
  const stopNode = async (n) => {
    n.child.kill('SIGTERM')
    await new Promise((res) => n.child.once('exit', res))
  }

  let seq = 0
  /** Registers a task fed with `items` items (pushed first, so its instances find work at once). */
  const task = async (extra, items) => {
    const name = `sw-${seq++}`
    const q = { input_queue: `${name}:in`, output_queue: `${name}:out` }
    for (let i = 0; i < items; i += 10_000)
      await r.lpush(
        q.input_queue,
        ...Array.from({ length: Math.min(10_000, items - i) }, (_, j) => String(i + j + 1)),
      )
    await r.hincrby(`${q.input_queue}:stats`, 'pushed', items)
    await api('POST', '/api/tasks', { name, command: consumer, input_redis: redis.url, ...q, ...extra })
    return { name, ...q }
  }
  const firstResult = async (q) => {
    const c = new Redis(redis.url)
    try {
      const got = await c.brpop(q.output_queue, 60)
      if (!got) throw new Error(`no result on ${q.output_queue} within 60 s`)
      return Date.now()
    } finally {
      c.disconnect()
    }
  }
  const details = (name) => api('GET', `/api/tasks/${name}`)
  const cleanup = async () => {
    for (;;) {
      const { current } = await api('GET', '/api/tasks')
      if (!current) break
      await api('POST', '/api/tasks/finish')
    }
  }
  /** Waits until the running task `a` has committed results on the node, i.e. it is mid-batch. */
  const midBatch = async (a) => {
    const c = new Redis(redis.url)
    try {
      if (!(await c.brpop(a.output_queue, 60))) throw new Error('the first task made no progress')
    } finally {
      c.disconnect()
    }
  }

  const cases = {
    'task finish': async () => {
      const a = await task({}, 300_000)
      await midBatch(a)
      const b = await task({}, 1_000)
      const seen = firstResult(b)
      await api('POST', '/api/tasks/finish', { name: a.name })
      const t1 = await seen
      return (t1 - Date.parse((await details(a.name)).finished_at)) / 1000
    },
    'auto-finish': async () => {
      // The settle time is the user's choice (10 s by default): the switch is measured from the finish.
      const a = await task({ auto_finish: true, auto_finish_settle: 0 }, 3_000)
      const b = await task({}, 1_000)
      const t1 = await firstResult(b)
      const d = await details(a.name)
      if (d.ended_by !== 'auto-finish') throw new Error(`${a.name} ended by ${d.ended_by}`)
      return (t1 - Date.parse(d.finished_at)) / 1000
    },
    preemption: async () => {
      const a = await task({ priority: 'IDLE' }, 300_000)
      await midBatch(a)
      const name = `sw-${seq}`
      const seen = firstResult({ output_queue: `${name}:out` })
      const b = await task({ priority: 'CRITICAL' }, 1_000)
      const t1 = await seen
      return (t1 - Date.parse((await details(b.name)).started_at)) / 1000
    },
  }
  const measure = async (label, fn) => {
    const xs = []
    for (let i = 0; i < RUNS; i++) {
      xs.push(await fn())
      await cleanup()
      await r.flushdb()
    }
    return { label, median: median(xs), all: xs }
  }

  const results = []
  node = await startNode(false)
  await cleanup()
  const reference = await measure(
    `task finish, node without long poll (poll every ${values['poll-interval']})`,
    cases['task finish'],
  )
  await stopNode(node)
  node = await startNode(true)
  for (const [label, fn] of Object.entries(cases))
    results.push(await measure(`${label}, long-polling node`, fn))
  await stopNode(node)
  node = undefined

  console.log(
    `${RUNS} runs per case, medians: a task finished -> the next task's first committed item on a node`,
  )
  const runs = (x) => x.all.map((v) => fmt(v, 2)).join(' ')
  console.log(
    `reference: ${reference.label}: ${fmt(reference.median, 3)} s (${fmt(reference.median, 1)}x the 1 s target; runs ${runs(reference)})`,
  )
  for (const x of results)
    console.log(
      `${x.label.padEnd(34)} ${fmt(x.median, 3)} s   ${fmt(x.median, 2)}x the 1 s target (${fmt(1 / x.median, 1)}x under it), ${fmt(reference.median / x.median, 1)}x faster than the reference; runs ${runs(x)}`,
    )
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  await sleep(500)
  r.disconnect()
  await redis.stop()
  rmSync(home, { recursive: true, force: true })
}
