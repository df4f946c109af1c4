#!/usr/bin/env node
// Benchmark (issue 12): `gridcore run --command` items/s across machines — a hub on host A (`up --listen`, TLS) and
// nodes on two other network namespaces (`join`) — against the same run on one host without TLS (reference), and
// the same two-namespace run with --insecure-plaintext (the TLS cost on its own). Rounds interleave the three, so
// a machine whose speed drifts moves all of them; medians of --runs rounds. Needs root (ip netns) and redis-server.
// Usage: node bench/hosts.mjs [--runs 3] [--items 200000]
import { spawnSync } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BIN, fmt, median, requireCommand } from './lib.mjs'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, items: { type: 'string', default: '200000' } },
})
const RUNS = Number(values.runs)
const ITEMS = Number(values.items)
const FILTER = 'sed -u s/^/r:/'
requireCommand('redis-server', 'redis-server')
requireCommand('ip', 'iproute2')

const home = mkdtempSync(join(tmpdir(), 'gridcore-bench-hosts-'))
const id = `gcb-${process.pid}`
const net = `10.${randomInt(16, 250)}.${randomInt(1, 250)}`
const made = []

function ip(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()} (the bench needs root)`)
}

/** One namespace per host on one bridge (in a namespace of its own); returns name -> {ns, addr}. */
function lab(names) {
  const sw = `${id}-sw`
  ip('netns', 'add', sw)
  made.push(sw)
  ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0')
  ip('-n', sw, 'link', 'set', 'br0', 'up')
  const hosts = {}
  names.forEach((name, i) => {
    const ns = `${id}-${name}`
    const addr = `${net}.${i + 10}`
    ip('netns', 'add', ns)
    made.push(ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns)
    ip('-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up')
    ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    hosts[name] = { ns, addr, home: join(home, name) }
  })
  return hosts
}

function destroy() {
  for (const ns of made.splice(0).reverse()) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? ''
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {}
    }
    spawnSync('ip', ['netns', 'del', ns])
  }
}

/** gridcore ARGS on a host (its namespace, its GRIDCORE_HOME); throws on failure; the parsed --json answer. */
function gc(h, ...args) {
  const r = spawnSync('ip', ['netns', 'exec', h.ns, process.execPath, BIN, ...args], {
    env: { ...process.env, GRIDCORE_HOME: h.home, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  })
  if (r.status !== 0)
    throw new Error(`gridcore ${args.join(' ')} on ${h.ns} failed: ${r.stderr.slice(-1500)}`)
  return r.stdout.trim() ? JSON.parse(r.stdout) : null
}

/** A listening cluster on `hub` whose work is done by nodes on `nodes` (the hub's own node is stopped). */
function listening(hub, nodes, extra) {
  const up = gc(
    hub,
    'up',
    '--listen',
    hub.addr,
    ...extra,
    '--runtime',
    'process',
    '--parallelism',
    '1',
    '--json',
  )
  gc(hub, 'node', 'stop', up.node_id, '--json')
  for (const n of nodes) gc(n, 'join', up.join, '--runtime', 'process', '--parallelism', '2', '--json')
  return up
}

/** One run of ITEMS items from `h`; items/s as run measures it (push to collect). */
function rate(h) {
  const out = join(h.home, 'r.txt')
  const s = gc(h, 'run', '--command', FILTER, '--range', `1..${ITEMS}`, '--output', out, '--json')
  if (s.done !== ITEMS) throw new Error(`run on ${h.ns}: ${s.done} of ${ITEMS} done`)
  rmSync(out, { force: true })
  return ITEMS / s.seconds
}

process.on('SIGINT', () => {
  destroy()
  process.exit(130)
})
try {
  const H = lab(['r', 'a', 'b', 'c', 'p', 'b2', 'c2'])
  // Reference: one host, loopback, plain, the same four instances.
  gc(H.r, 'up', '--runtime', 'process', '--parallelism', '4', '--json')
  listening(H.a, [H.b, H.c], [])
  listening(H.p, [H.b2, H.c2], ['--insecure-plaintext'])
  const got = { ref: [], tls: [], plain: [] }
  for (let i = 0; i < RUNS; i++) {
    got.ref.push(rate(H.r))
    got.tls.push(rate(H.a))
    got.plain.push(rate(H.p))
  }
  const ref = median(got.ref)
  const tls = median(got.tls)
  const plain = median(got.plain)
  const row = (what, xs, m) =>
    `${what.padEnd(58)} ${fmt(m, 0).padStart(8)} items/s  ${fmt(m / ref)}x   (runs: ${xs.map((x) => fmt(x, 0)).join(', ')})`
  console.log(
    `run --command "${FILTER}" over ${ITEMS} items, 4 instances, ${RUNS} interleaved rounds, medians`,
  )
  console.log(row('one host, loopback, plain (reference)', got.ref, ref))
  console.log(row('hub on A, nodes on B and C, TLS (up --listen)', got.tls, tls))
  console.log(row('hub on A, nodes on B and C, --insecure-plaintext', got.plain, plain))
  console.log(
    `across hosts over TLS: ${fmt(tls / ref)}x the one-host run (target >= 0.8x); TLS alone costs ${fmt(100 * (1 - tls / plain), 1)}% against the same hosts in plain text`,
  )
} finally {
  destroy()
  rmSync(home, { recursive: true, force: true })
}
