// Faults across machines, on real network namespaces: A runs `gridcore up --listen` (its own node stopped, so the
// work is B's and C's), B and C `gridcore join`, D runs `run --command` with a submit token. Kill -9 of B's node and
// its instances, a partition of C longer than the lease, a hub restart on A: every item once, none lost.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type GcHost, gcHost, ok, SLOW_TAG_FILTER, tally } from '../helpers/hosts.js'
import { useNetLab } from '../helpers/netns.js'
import { waitFor } from '../helpers/node.js'
import type { Proc } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const ctx = useNetLab(['a', 'b', 'c', 'd'])
const H: Record<string, GcHost> = {}
let joinString = ''
let runs = 0

const nodesOf = async (h: GcHost) => ok(await h.gc(['status', '--json']), 'status').json.nodes as any[]

/** Starts a run on D (slow filter, short lease) and resolves once it has done `after` items. */
async function startRun(items: number, after: number): Promise<Run> {
  const name = `fault-${++runs}`
  const out = join(dir, `${name}.txt`)
  const proc = H.d!.spawn([
    'run',
    '--name',
    name,
    '--command',
    SLOW_TAG_FILTER,
    '--range',
    `1..${items}`,
    '--lease',
    '2s',
    '--output',
    out,
    '--json',
  ])
  await waitFor(
    `the run to do ${after} items`,
    () => {
      if (proc.child.exitCode !== null) throw new Error(`run exited early: ${proc.err().slice(-2000)}`)
      const done = proc
        .err()
        .split('\n')
        .filter((l) => l.startsWith('{"type":"progress"'))
        .map((l) => JSON.parse(l).done as number)
        .at(-1)
      return (done ?? 0) >= after
    },
    60_000,
  )
  return { proc, out, items, counters: monitor(name, proc) }
}

interface Run {
  proc: Proc
  out: string
  items: number
  /** The highest queue counters seen while the run went on (the run deletes its queues at the end). */
  counters: Promise<{ recovered: number; refused: number }>
}

/** Polls the run's queue counters from D until the run ends. */
async function monitor(name: string, proc: Proc): Promise<{ recovered: number; refused: number }> {
  const seen = { recovered: 0, refused: 0 }
  const q = ['-q', `gridcore:${name}:in`, '--output-queue', `gridcore:${name}:out`, '--json']
  while (proc.child.exitCode === null) {
    const stats = (await H.d!.gc(['queue', 'stats', ...q])).json?.stats
    if (stats) for (const k of ['recovered', 'refused'] as const) seen[k] = Math.max(seen[k], stats[k] ?? 0)
    await new Promise((res) => setTimeout(res, 500))
  }
  return seen
}

/** Waits for the run to end (exit 0), checks every item came back once, returns per-node counts and queue stats. */
async function finished(r: Run) {
  const { code } = await r.proc.exited
  expect(code, r.proc.err().slice(-3000)).toBe(0)
  const t = tally(readFileSync(r.out, 'utf8').split('\n').filter(Boolean), r.items)
  expect({ dup: t.dup, missing: t.missing }).toEqual({ dup: 0, missing: 0 })
  return { perNode: t.perNode, stats: await r.counters }
}

beforeAll(async () => {
  for (const [name, host] of Object.entries(ctx.lab.hosts)) H[name] = gcHost(host, join(dir, name))
  const { a, b, c, d } = H
  const up = ok(
    await a!.gc(['up', '--listen', a!.host.addr, '--runtime', 'process', '--parallelism', '1', '--json']),
    'up --listen on A',
  )
  joinString = up.json.join
  ok(await a!.gc(['node', 'stop', up.json.node_id]), "stop A's own node")
  await Promise.all(
    [b!, c!].map(async (h) =>
      ok(await h.gc(['join', joinString, '--runtime', 'process', '--parallelism', '2']), 'join'),
    ),
  )
  const token = ok(
    await a!.gc(['token', 'create', '--role', 'submit', '--name', 'laptop', '--json']),
    'token',
  )
  ok(await d!.gc(['connect', token.json.join]), 'connect on D')
}, 180_000)

describe('faults across machines', () => {
  it("kill -9 of B's node and its instances mid-run: its items come back through C; nothing lost or duplicated", async () => {
    const { b, c } = H
    const bId = b!.joined().node_id
    const r = await startRun(20_000, 2_000)
    // B's node and every instance it started: everything in B's namespace.
    const pids = spawnSync('ip', ['netns', 'pids', b!.host.ns], { encoding: 'utf8' })
      .stdout.split(/\s+/)
      .filter(Boolean)
    expect(pids).toContain(String(b!.joined().pid))
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {} // a filter that had just ended
    }
    const { perNode, stats } = await finished(r)
    expect(perNode.get(bId) ?? 0).toBeGreaterThan(0)
    expect(perNode.get(c!.joined().node_id) ?? 0).toBeGreaterThan(0)
    expect(stats.recovered).toBeGreaterThan(0) // B's batches, taken back once its lease ran out
    // B joins again (same node id) for the next tests.
    ok(await b!.gc(['join', joinString, '--runtime', 'process', '--parallelism', '2']), 'join B again')
    expect(b!.joined().node_id).toBe(bId)
  }, 150_000)

  it('a partition of C longer than the lease: the items it held come back, its late commit is refused and counted', async () => {
    const { c } = H
    // Long enough that C, back after the partition, commits while the run still goes on.
    const r = await startRun(40_000, 2_000)
    c!.host.partition()
    try {
      await new Promise((res) => setTimeout(res, 7_000)) // > 3 × the 2 s lease
    } finally {
      c!.host.heal()
    }
    const { perNode, stats } = await finished(r)
    expect(perNode.get(c!.joined().node_id) ?? 0).toBeGreaterThan(0)
    expect(stats.recovered).toBeGreaterThan(0) // what C held, taken back
    expect(stats.refused).toBeGreaterThan(0) // C's late commit
  }, 150_000)

  it('a hub restart on A: B and C register again by themselves and the run finishes', async () => {
    const { a, b, c, d } = H
    const r = await startRun(20_000, 2_000)
    const hubPid = a!.cluster().computehub.pid as number
    process.kill(hubPid, 'SIGKILL')
    const up = ok(await a!.gc(['up', '--json']), 'up on A after the hub died').json
    expect(up.restarted).toContain('hub')
    const { perNode } = await finished(r)
    for (const h of [b!, c!]) {
      expect(perNode.get(h.joined().node_id) ?? 0).toBeGreaterThan(0)
      const again = await waitFor(
        `${h.host.name} registered with the new hub`,
        async () => (await nodesOf(d!)).find((n) => n.id === h.joined().node_id && n.status === 'Online'),
        30_000,
      )
      expect(again.address).toBe(h.host.addr)
    }
  }, 150_000)
})
