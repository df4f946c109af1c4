// ConnectionGuard: unproven connections are capped per address and in total; the oldest go first, after a grace.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConnectionGuard } from '../../src/hub/guard.js'

class FakeSocket extends EventEmitter {
  destroyed = false
  constructor(readonly remoteAddress: string) {
    super()
  }
  destroy() {
    if (this.destroyed) return
    this.destroyed = true
    this.emit('close')
  }
}
const sock = (address = '10.0.0.1') => new FakeSocket(address) as FakeSocket & Socket

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('ConnectionGuard', () => {
  const limits = {
    maxUnproven: 6,
    maxUnprovenPerAddress: 3,
    graceMs: 250,
    hardFactor: 2,
    maxUnprovenAgeMs: 60_000,
  }

  it('evicts the oldest unproven connection of an address once its grace has passed', () => {
    const g = new ConnectionGuard(limits)
    const flood = Array.from({ length: 3 }, () => sock())
    for (const s of flood) g.admit(s)
    vi.advanceTimersByTime(300)
    const late = sock()
    g.admit(late)
    expect(flood[0]!.destroyed).toBe(true)
    expect(flood.slice(1).every((s) => !s.destroyed)).toBe(true)
    expect(late.destroyed).toBe(false)
    expect(g.unprovenCount).toBe(3)
    expect(g.evicted).toBe(1)
  })

  it('gives new connections their grace, then trims; past the hard factor it trims at once', () => {
    const g = new ConnectionGuard(limits)
    const burst = Array.from({ length: 6 }, () => sock())
    for (const s of burst) g.admit(s)
    expect(burst.filter((s) => s.destroyed)).toHaveLength(0)
    const over = sock()
    g.admit(over)
    expect(burst[0]!.destroyed).toBe(true)
    vi.advanceTimersByTime(300)
    expect(burst.filter((s) => !s.destroyed)).toEqual(burst.slice(4))
    expect(over.destroyed).toBe(false)
    expect(g.unprovenCount).toBe(3)
  })

  it('never evicts a proven connection, nor one of another address for a flood from one', () => {
    const g = new ConnectionGuard(limits)
    const node = sock('10.0.0.2')
    g.admit(node)
    const trusted = sock()
    g.admit(trusted)
    g.prove(trusted)
    expect(g.isUnproven(trusted)).toBe(false)
    for (let i = 0; i < 20; i++) {
      g.admit(sock())
      vi.advanceTimersByTime(300)
    }
    expect(trusted.destroyed).toBe(false)
    expect(node.destroyed).toBe(false)
    expect(g.unprovenCount).toBe(4)
  })

  it('caps the total across addresses, oldest first', () => {
    const g = new ConnectionGuard(limits)
    const all = Array.from({ length: 8 }, (_, i) => sock(`10.0.1.${i}`))
    for (const s of all) {
      g.admit(s)
      vi.advanceTimersByTime(300)
    }
    expect(all.filter((s) => s.destroyed)).toEqual(all.slice(0, 2))
    expect(g.unprovenCount).toBe(6)
  })

  it('closes a connection still unproven at its maximum age, and never a proven one', () => {
    const g = new ConnectionGuard({ ...limits, maxUnprovenAgeMs: 5_000 })
    const idle = sock('10.0.2.1')
    const good = sock('10.0.2.2')
    g.admit(idle)
    g.admit(good)
    vi.advanceTimersByTime(100)
    g.prove(good)
    vi.advanceTimersByTime(4_800)
    expect(idle.destroyed).toBe(false)
    vi.advanceTimersByTime(200)
    expect(idle.destroyed).toBe(true)
    vi.advanceTimersByTime(60_000)
    expect(good.destroyed).toBe(false)
  })

  it('forgets closed connections', () => {
    const g = new ConnectionGuard(limits)
    const s = sock()
    g.admit(s)
    s.destroy()
    expect(g.unprovenCount).toBe(0)
    expect(g.evicted).toBe(0)
  })
})
