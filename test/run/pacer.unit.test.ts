// The pacer of a line filter's reads: how long it leaves the pipe alone, and when it reads lines as they come.
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_WAIT_MS, Pacer } from '../../src/run/pacer.js'

/** A socket that only counts its pauses and resumes. */
function socket() {
  const s = { paused: false, pauses: 0 }
  const sock = {
    pause() {
      s.paused = true
      s.pauses++
    },
    resume() {
      s.paused = false
    },
  } as unknown as Socket
  return { s, sock }
}

let pacers: Pacer[] = []
afterEach(() => {
  for (const p of pacers) p.end() // clears a pending timer
  pacers = []
})
const pacer = (sock: Socket) => {
  const p = new Pacer(sock)
  pacers.push(p)
  return p
}

describe('Pacer', () => {
  it('reads lines as they come until it has learned a batch', () => {
    const { s, sock } = socket()
    const p = pacer(sock)
    expect(p.read(5_000)).toBe(0)
    expect(s.pauses).toBe(0)
  })

  it('leaves the pipe alone for half of the time the rest should take, and reads the last part as it comes', () => {
    const { s, sock } = socket()
    const p = pacer(sock)
    p.learn(5_000, 10, 120_000) // 2 µs and 24 bytes a line
    // 5,000 lines left: 10 ms; half of it is 5 ms, but 32 KB of answers (1,365 lines) take about 2.7 ms.
    expect(p.read(5_000)).toBeCloseTo(2.73, 1)
    expect(s.paused).toBe(true)
    // 1,000 lines left (2 ms): one more read at 90% of it.
    expect(p.read(1_000)).toBeCloseTo(1.8, 5)
    // 100 lines left (0.2 ms): as they come.
    expect(p.read(100)).toBe(0)
    expect(s.paused).toBe(false)
  })

  it(`never waits longer than ${MAX_WAIT_MS} ms, however slow the filter was (a slow filter was timed out as silent)`, () => {
    const { sock } = socket()
    const p = pacer(sock)
    p.learn(100, 5_000, 1_200) // 50 ms a line
    expect(p.read(100)).toBe(MAX_WAIT_MS)
  })

  it('halves its waits when a batch ended, or the pipe filled, while it looked away', async () => {
    const { sock } = socket()
    const p = pacer(sock)
    p.learn(5_000, 50, 120_000) // 10 µs a line: 32 KB of answers in about 13.7 ms
    expect(p.read(5_000)).toBeCloseTo(13.65, 1)
    await new Promise((r) => setTimeout(r, 25)) // the wait runs out: the next read is late
    p.learn(5_000, 30, 120_000) // that batch's end came while it looked away: its time is not learned
    expect(p.read(1_000)).toBeCloseTo(2.5, 5) // 5 µs a line now: 1,000 lines are 5 ms, half of it
    p.got(60_000)
    expect(p.read(1_000)).toBeCloseTo(2.25, 5) // 2.5 µs a line: 2.5 ms left, so 90% of it
  })

  it('once the filter exited, reads at once, to the end', () => {
    const { s, sock } = socket()
    const p = pacer(sock)
    p.learn(5_000, 10, 120_000)
    expect(p.read(5_000)).toBeGreaterThan(0)
    p.end()
    expect(s.paused).toBe(false)
    expect(p.read(5_000)).toBe(0)
    expect(s.paused).toBe(false)
  })
})
