// The remote-log buffer: rings per task+instance with drops counted, heartbeat-sized batches (lines and bytes),
// fair rounds over instances, restore after a failed heartbeat, the node-wide bound.
import { describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/hub/protocol.js'
import { BATCH_LIMITS, LogBuffer } from '../../src/node/log-buffer.js'

const line = (text: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({
  at: '2025-01-01T00:00:00.000Z',
  stream,
  text,
})
const fill = (b: LogBuffer, task: string, instance: number, n: number, from = 0) => {
  for (let i = from; i < from + n; i++) b.add(task, instance, line(`${task}-${instance}-${i}`))
}

describe('LogBuffer', () => {
  it('keeps the newest lines of a ring and says how many it dropped, with the next batch only', () => {
    const b = new LogBuffer({ ring: { lines: 5, bytes: 1 << 20 } })
    fill(b, 't', 0, 12)
    const first = b.take()
    expect(first.batches).toEqual([
      { task: 't', instance: 0, dropped: 7, lines: [7, 8, 9, 10, 11].map((i) => line(`t-0-${i}`)) },
    ])
    expect(b.pending).toBe(false)
    fill(b, 't', 0, 2, 12)
    expect(b.take().batches).toEqual([
      { task: 't', instance: 0, dropped: 0, lines: [line('t-0-12'), line('t-0-13')] },
    ])
  })

  it('a batch holds at most the line and byte limits (the JSON of `logs`), the rest waits in order', () => {
    const b = new LogBuffer()
    fill(b, 't', 0, 1500)
    const one = b.take()
    expect(one.lines).toBe(BATCH_LIMITS.lines)
    expect(one.batches[0]!.lines.at(-1)!.text).toBe('t-0-999')
    expect(b.take().batches[0]!.lines.map((l) => l.text)).toEqual(
      Array.from({ length: 500 }, (_, i) => `t-0-${1000 + i}`),
    )
    const big = new LogBuffer({ ring: { lines: 2000, bytes: 8 << 20 } })
    for (let i = 0; i < 200; i++) big.add('t', 0, line(`${i} ${'x'.repeat(4000)}`))
    const taken = big.take()
    const size = Buffer.byteLength(JSON.stringify(taken.batches))
    expect(size).toBeLessThanOrEqual(BATCH_LIMITS.bytes)
    expect(size).toBeGreaterThan(BATCH_LIMITS.bytes - 5000)
    expect(taken.lines).toBeLessThan(200)
    expect(big.pendingLines).toBe(200 - taken.lines)
  })

  it('shares a batch between instances in rounds, so a chatty one does not starve a quiet one', () => {
    const b = new LogBuffer({ ring: { lines: 5000, bytes: 8 << 20 } })
    fill(b, 't', 0, 3000)
    fill(b, 't', 1, 10)
    const { batches } = b.take({ lines: 100, bytes: 1 << 20 })
    const by = Object.fromEntries(batches.map((x) => [x.instance, x.lines.length]))
    expect(by).toEqual({ 0: 90, 1: 10 })
  })

  it('restore puts a failed batch back in front of newer lines, with its drop count', () => {
    const b = new LogBuffer({ ring: { lines: 4, bytes: 1 << 20 } })
    fill(b, 't', 0, 6)
    const t = b.take()
    expect(t.batches[0]).toMatchObject({ dropped: 2 })
    fill(b, 't', 0, 1, 6)
    t.restore()
    // Five lines for a ring of four: the oldest restored one goes, counted with the two before.
    expect(b.take().batches).toEqual([
      { task: 't', instance: 0, dropped: 3, lines: [3, 4, 5, 6].map((i) => line(`t-0-${i}`)) },
    ])
  })

  it('reports a ring that has only drops, and bounds the whole node by dropping from the fullest ring', () => {
    const b = new LogBuffer({ ring: { lines: 100, bytes: 1 << 20 }, node: { lines: 30, bytes: 1 << 20 } })
    fill(b, 'a', 0, 25)
    fill(b, 'b', 0, 10)
    expect(b.pendingLines).toBe(30)
    const { batches } = b.take({ lines: 1000, bytes: 1 << 20 })
    const a = batches.find((x) => x.task === 'a')!
    expect(a.dropped).toBe(5)
    expect(a.lines[0]!.text).toBe('a-0-5')
    expect(batches.find((x) => x.task === 'b')!.lines).toHaveLength(10)
  })

  it('a sink splits each stream into lines stamped with their time, flushes the tail at the end', () => {
    let calls = 0
    const b = new LogBuffer({ onLines: () => calls++ })
    const sink = b.sink('t', 3)
    sink.write('stdout', Buffer.from('out 1\nout'))
    sink.write('stderr', Buffer.from('err 1\n'))
    sink.write('stdout', Buffer.from(' 2\npartial'))
    sink.end()
    const [batch] = b.take().batches
    expect(batch!.instance).toBe(3)
    expect(batch!.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'out 1'],
      ['stderr', 'err 1'],
      ['stdout', 'out 2'],
      ['stdout', 'partial'],
    ])
    expect(batch!.lines[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(calls).toBe(4)
  })

  it('masks Redis URL passwords, the task’s secrets and the node’s before a line is kept', () => {
    const b = new LogBuffer({ secrets: ['node-token-123'] })
    const sink = b.sink('t', 0, ['s3cret-pw'])
    sink.write(
      'stderr',
      Buffer.from(
        'connecting to redis://:s3cret-pw@10.0.0.1:6379 as rediss://u:other@h\npw=s3cret-pw token=node-token-123\n',
      ),
    )
    expect(b.take().batches[0]!.lines.map((l) => l.text)).toEqual([
      'connecting to redis://:***@10.0.0.1:6379 as rediss://u:***@h',
      'pw=*** token=***',
    ])
  })

  it('keeps at most maxRings rings: the one written to longest ago goes first', () => {
    const b = new LogBuffer({ maxRings: 2 })
    fill(b, 'a', 0, 1)
    fill(b, 'b', 0, 1)
    fill(b, 'c', 0, 1)
    expect(
      b
        .take()
        .batches.map((x) => x.task)
        .sort(),
    ).toEqual(['b', 'c'])
  })
})
