// Pacing of remote logs on the heartbeat channel: the first beat probes with `logs: []`, a batch at most once per
// gap, extra beats only for a hub that answered logs_accepted, lines put back when a beat fails.
import { afterEach, describe, expect, it } from 'vitest'
import type { HeartbeatRequest } from '../../src/hub/protocol.js'
import { LogBuffer } from '../../src/node/log-buffer.js'
import { LogShipper } from '../../src/node/log-shipper.js'
import { waitFor } from '../helpers/node.js'

const shippers: LogShipper[] = []
afterEach(() => {
  for (const s of shippers.splice(0)) s.close()
})
const body = (): HeartbeatRequest => ({ node_id: 'n', status: 'Running', active_containers: 1 })
const setup = (gap = 200) => {
  const buffer = new LogBuffer()
  const beats: number[] = []
  const shipper = new LogShipper({ buffer, beat: () => beats.push(Date.now()), minGapMs: gap })
  shippers.push(shipper)
  const add = (text: string) => {
    buffer.add('t', 0, { at: new Date().toISOString(), stream: 'stdout', text })
    shipper.schedule()
  }
  return { buffer, shipper, beats, add }
}

describe('LogShipper', () => {
  it('probes with an empty batch first, then sends lines with the next beat', () => {
    const { shipper, add } = setup()
    const first = body()
    shipper.attach(first)({ stop_requested: false })
    expect(first.logs).toEqual([])
    add('hello')
    const second = body()
    shipper.attach(second)({ stop_requested: false })
    expect(second.logs![0]!.lines.map((l) => l.text)).toEqual(['hello'])
    const third = body()
    shipper.attach(third)({ stop_requested: false })
    expect(third.logs).toBeUndefined()
  })

  it('asks again when the probe was not delivered', () => {
    const { shipper } = setup()
    const lost = body()
    shipper.attach(lost)(null)
    expect(lost.logs).toEqual([])
    const again = body()
    shipper.attach(again)({ stop_requested: false, logs_accepted: 0 })
    expect(again.logs).toEqual([])
    expect(shipper.hubTakesLogs).toBe(true)
  })

  it('never sends two batches within the gap; the final beat may', () => {
    const { shipper, add } = setup(10_000)
    shipper.attach(body())({ stop_requested: false })
    add('a')
    const one = body()
    shipper.attach(one)({ stop_requested: false })
    expect(one.logs).toHaveLength(1)
    add('b')
    const soon = body()
    shipper.attach(soon)({ stop_requested: false })
    expect(soon.logs).toBeUndefined()
    const last = body()
    shipper.attach(last, true)({ stop_requested: false })
    expect(last.logs![0]!.lines.map((l) => l.text)).toEqual(['b'])
  })

  it('a hub that never answers logs_accepted gets no extra heartbeats', async () => {
    const { shipper, beats, add } = setup(50)
    shipper.attach(body())({ stop_requested: false })
    add('a')
    await new Promise((r) => setTimeout(r, 300))
    expect(beats).toEqual([])
  })

  it('a hub that answers logs_accepted gets a heartbeat for waiting lines, one gap after the last batch', async () => {
    const { shipper, beats, add } = setup(200)
    shipper.attach(body())({ stop_requested: false, logs_accepted: 0 })
    expect(shipper.hubTakesLogs).toBe(true)
    add('a')
    await waitFor('a beat for the line', () => beats.length === 1, 2_000)
    const sent = body()
    const t0 = Date.now()
    shipper.attach(sent)({ stop_requested: false, logs_accepted: 1 })
    add('b')
    await waitFor('a beat for the next line', () => beats.length === 2, 2_000)
    expect(beats[1]! - t0).toBeGreaterThanOrEqual(190)
  })

  it('lines of a failed or unknown-node heartbeat wait for the next one', () => {
    const { shipper, add, buffer } = setup(10_000)
    shipper.attach(body())({ stop_requested: false })
    add('a')
    const failed = body()
    shipper.attach(failed)(null)
    expect(failed.logs).toHaveLength(1)
    expect(buffer.pendingLines).toBe(1)
    const unknown = body()
    shipper.attach(unknown)({ stop_requested: false, reregister: true })
    expect(buffer.pendingLines).toBe(1)
    const again = body()
    shipper.attach(again)({ stop_requested: false })
    expect(again.logs![0]!.lines.map((l) => l.text)).toEqual(['a'])
    expect(buffer.pending).toBe(false)
  })
})
