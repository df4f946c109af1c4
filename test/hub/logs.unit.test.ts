// The hub's log rings: per node and task, bounded in lines and bytes (oldest dropped, counted), a bounded number of
// rings, hub-wide sequence numbers, tail and after queries, waiters woken by matching lines only.
import { describe, expect, it } from 'vitest'
import { LogStore } from '../../src/hub/logs.js'
import type { LogBatch } from '../../src/hub/protocol.js'

const at = '2026-01-01T00:00:00.000Z'
const batch = (task: string, texts: string[], o: Partial<LogBatch> = {}): LogBatch => ({
  task,
  instance: 0,
  lines: texts.map((text) => ({ at, stream: 'stdout' as const, text })),
  dropped: 0,
  ...o,
})
const all = () => true
const texts = (r: { lines: { text: string }[] }) => r.lines.map((l) => l.text)

describe('LogStore', () => {
  it('numbers lines hub-wide from the clock, so they keep rising across a restart', () => {
    const a = new LogStore({}, () => 1_000)
    a.append('n1', 'h1', [batch('t', ['x', 'y'])], all)
    const first = a.query({ limit: 10 })
    expect(first.lines.map((l) => l.seq)).toEqual([1_000_001, 1_000_002])
    expect(first.lines[0]).toEqual({
      seq: 1_000_001,
      at,
      node: 'n1',
      hostname: 'h1',
      task: 't',
      instance: 0,
      stream: 'stdout',
      text: 'x',
    })
    const restarted = new LogStore({}, () => 2_000)
    restarted.append('n1', 'h1', [batch('t', ['z'])], all)
    expect(restarted.query({ after: first.next, limit: 10 }).lines.map((l) => l.text)).toEqual(['z'])
  })

  it('keeps a ring per node and task: the oldest lines go past its line bound, counted with the node’s drops', () => {
    const s = new LogStore({ ringLines: 3 })
    s.append('n1', 'h1', [batch('t', ['1', '2'], { dropped: 5 })], all)
    s.append('n1', 'h1', [batch('t', ['3', '4', '5'])], all)
    s.append('n2', 'h2', [batch('t', ['a'])], all)
    expect(texts(s.query({ nodes: ['n1'], limit: 100 }))).toEqual(['3', '4', '5'])
    expect(s.query({ nodes: ['n1'], limit: 100 }).dropped).toBe(7)
    expect(s.query({ limit: 100 }).dropped).toBe(7)
    expect(texts(s.query({ tasks: ['t'], limit: 100 }))).toEqual(['3', '4', '5', 'a'])
    expect(s.counters).toEqual({ received: 6, droppedByNodes: 5, droppedByHub: 2 })
  })

  it('bounds a ring in bytes too', () => {
    const s = new LogStore({ ringBytes: 3 * (100 + 64) })
    s.append(
      'n1',
      'h1',
      [batch('t', ['a'.repeat(100), 'b'.repeat(100), 'c'.repeat(100), 'd'.repeat(100)])],
      all,
    )
    expect(texts(s.query({ limit: 100 })).map((t) => t[0])).toEqual(['b', 'c', 'd'])
    expect(s.query({ limit: 100 }).dropped).toBe(1)
  })

  it('keeps at most maxRings rings, evicting the one written longest ago', () => {
    const s = new LogStore({ maxRings: 2 })
    s.append('n1', 'h', [batch('a', ['a1'])], all)
    s.append('n1', 'h', [batch('b', ['b1'])], all)
    s.append('n1', 'h', [batch('a', ['a2'])], all)
    s.append('n1', 'h', [batch('c', ['c1'])], all)
    expect(s.ringCount).toBe(2)
    expect(texts(s.query({ limit: 100 }))).toEqual(['a1', 'a2', 'c1'])
    expect(s.counters.droppedByHub).toBe(1)
  })

  it('drops the lines of tasks it is told it does not know, counting them', () => {
    const s = new LogStore()
    expect(s.append('n1', 'h', [batch('ghost', ['x']), batch('t', ['y'])], (t) => t === 't')).toBe(1)
    expect(texts(s.query({ limit: 10 }))).toEqual(['y'])
    expect(s.counters.droppedByHub).toBe(1)
    expect(s.ringCount).toBe(1)
  })

  it('answers the last `limit` lines without `after`, and pages forward from `after` with `next`', () => {
    const s = new LogStore()
    s.append('n1', 'h', [batch('t', ['1', '2', '3'])], all)
    s.append('n2', 'h', [batch('t', ['4', '5'], { instance: 1 })], all)
    s.append('n1', 'h', [batch('t', ['6'])], all)
    const tail = s.query({ limit: 2 })
    expect(texts(tail)).toEqual(['5', '6'])
    const start = s.query({ after: 0, limit: 4 })
    expect(texts(start)).toEqual(['1', '2', '3', '4'])
    const rest = s.query({ after: start.next, limit: 4 })
    expect(texts(rest)).toEqual(['5', '6'])
    expect(s.query({ after: rest.next, limit: 4 }).lines).toEqual([])
    expect(texts(s.query({ after: 0, instance: 1, limit: 10 }))).toEqual(['4', '5'])
  })

  it('wakes a waiter when a line it asked for arrives, not for other lines', async () => {
    const s = new LogStore()
    const after = s.query({ limit: 1 }).next
    let woke = false
    const ac = new AbortController()
    const waiting = s.waitFor({ tasks: ['t'], after, limit: 10 }, 5_000, ac.signal).then(() => {
      woke = true
    })
    s.append('n1', 'h', [batch('other', ['x'])], all)
    await new Promise((r) => setTimeout(r, 20))
    expect(woke).toBe(false)
    s.append('n1', 'h', [batch('t', ['y'])], all)
    await waiting
    expect(woke).toBe(true)
    const aborted = s.waitFor({ after: s.lastSeq, limit: 1 }, 5_000, AbortSignal.abort())
    await expect(aborted).resolves.toBeUndefined()
  })

  it('forgets a dropped node’s rings', () => {
    const s = new LogStore()
    s.append('n1', 'h', [batch('t', ['x'])], all)
    s.append('n2', 'h', [batch('t', ['y'])], all)
    s.dropNode('n1')
    expect(texts(s.query({ limit: 10 }))).toEqual(['y'])
  })
})
