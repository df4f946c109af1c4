// Progress and "drained" from snapshots: counters of counted items, never over 100 %, settling without counters.
import { describe, expect, it } from 'vitest'
import type { NodeInfo } from '../../src/hub/protocol.js'
import type { QueueSnapshot } from '../../src/queue/ops.js'
import { DrainJudge, nodesIdle, progressOf } from '../../src/queue/progress.js'

const snap = (o: Partial<QueueSnapshot> & { stats?: Record<string, number> } = {}): QueueSnapshot => ({
  input_queue: 'q',
  output_queue: 'q:out',
  input: 0,
  suspects: 0,
  processing: 0,
  output: 0,
  failed: 0,
  dead: 0,
  consumers: [],
  has_stats: true,
  ...o,
  stats: {
    pushed: 0,
    done: 0,
    failed: 0,
    dead: 0,
    collected: 0,
    refused: 0,
    recovered: 0,
    retried: 0,
    ...o.stats,
  },
})

describe('progressOf', () => {
  it('counts counted items: done of pushed', () => {
    const p = progressOf(snap({ input: 60, processing: 10, stats: { pushed: 100, done: 25, failed: 5 } }))
    expect(p).toEqual({ done: 30, total: 100, waiting: 60, processing: 10, counted: true })
  })

  it('never goes over 100 %: results of uncounted items widen the total', () => {
    // The case: 500,000 counted, earlier uncounted results still in the output.
    const p = progressOf(snap({ input: 490_065, output: 1_009_935, stats: { pushed: 500_000 } }))
    expect(p.done).toBeLessThanOrEqual(p.total)
    expect(p.total).toBe(1_009_935 + 490_065)
    expect(p.counted).toBe(false)
  })

  it('falls back to list lengths without counters; suspects count as waiting', () => {
    const p = progressOf(snap({ input: 3, suspects: 2, output: 5, has_stats: false }))
    expect(p).toEqual({ done: 5, total: 10, waiting: 5, processing: 0, counted: false })
  })
})

describe('DrainJudge', () => {
  it('with counters: drained once every counted item ended and nothing waits or is held', () => {
    const j = new DrainJudge(5_000)
    expect(j.drained(snap({ output: 99, stats: { pushed: 100 } }), 0, null)).toBe(false) // one in a BRPOP hand
    expect(j.drained(snap({ suspects: 1, output: 99, stats: { pushed: 100 } }), 0, null)).toBe(false)
    expect(j.drained(snap({ output: 100, stats: { pushed: 100 } }), 0, null)).toBe(true)
  })

  it('without counters: the output must settle and, with a hub, every node be idle', () => {
    const j = new DrainJudge(5_000)
    const s = snap({ output: 10, has_stats: false })
    expect(j.drained(s, 1_000, true)).toBe(false)
    expect(j.drained(s, 5_999, true)).toBe(false)
    expect(j.drained(s, 6_000, false)).toBe(false)
    expect(j.drained(s, 6_000, true)).toBe(true)
    expect(j.drained(snap({ output: 11, has_stats: false }), 6_500, true)).toBe(false) // it grew: settle again
    expect(j.drained(snap({ output: 11, has_stats: false }), 11_500, null)).toBe(true) // no hub: settle alone
  })

  it('without push counters, results all counted by reliable consumers are exact', () => {
    const j = new DrainJudge(5_000)
    expect(j.drained(snap({ output: 7, stats: { done: 7 } }), 0, false)).toBe(true)
  })
})

describe('nodesIdle', () => {
  const node = (o: Partial<NodeInfo>): NodeInfo =>
    ({ id: 'n', status: 'Online', runtime_status: 'Idle', active_containers: 0, ...o }) as NodeInfo
  it('is unknown without a hub, false when the hub did not answer, else whether online nodes run nothing', () => {
    expect(nodesIdle(undefined)).toBeNull()
    expect(nodesIdle(null)).toBe(false)
    expect(nodesIdle([node({}), node({ status: 'Offline', active_containers: 2 })])).toBe(true)
    expect(nodesIdle([node({ runtime_status: 'Running', active_containers: 1 })])).toBe(false)
  })
})
