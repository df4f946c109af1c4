// NodeRegistry: capabilities as declared, failure reports per node and task, stop requests, the silent-node sweep.
import { describe, expect, it } from 'vitest'
import { NodeRegistry } from '../../src/hub/nodes.js'
import type { RuntimeErrorReport } from '../../src/hub/protocol.js'

function registry() {
  let now = 1_000_000
  const r = new NodeRegistry(() => now)
  return { r, advance: (ms: number) => (now += ms) }
}
const node = { hostname: 'h', architecture: 'x86_64', cpu_count: 2 }
const report = (task: string, extra: Partial<RuntimeErrorReport> = {}): RuntimeErrorReport => ({
  task,
  message: `ModuleNotFoundError: No module named 'redis'`,
  exit_code: 1,
  signal: null,
  failed_instances: 3,
  log_path: `/var/log/${task}.log`,
  at: '2026-01-01T00:00:00.000Z',
  ...extra,
})
const beat = (id: string, runtime_error?: RuntimeErrorReport | null) => ({
  node_id: id,
  status: 'Error' as const,
  active_containers: 0,
  ...(runtime_error === undefined ? {} : { runtime_error }),
})

describe('capabilities', () => {
  it('serves declared capabilities, ignores unknown values, and treats undeclared or unknown nodes as ["image"]', () => {
    const { r } = registry()
    r.register({ ...node, node_id: 'proc', capabilities: ['command'] })
    r.register({ ...node, node_id: 'auto', capabilities: ['command', 'image', 'gpu'] })
    r.register({ ...node, node_id: 'none', capabilities: [] })
    r.register({ ...node, node_id: 'upstream' })
    expect([...r.capabilitiesOf('proc')]).toEqual(['command'])
    expect([...r.capabilitiesOf('auto')].sort()).toEqual(['command', 'image'])
    expect([...r.capabilitiesOf('none')]).toEqual([])
    expect([...r.capabilitiesOf('upstream')]).toEqual(['image'])
    expect([...r.capabilitiesOf('ghost')]).toEqual(['image'])
    expect([...r.capabilitiesOf(undefined)]).toEqual(['image'])
    const listed = Object.fromEntries(r.list().map((n) => [n.id, n]))
    expect(listed.auto!.capabilities).toEqual(['command', 'image', 'gpu'])
    expect(listed.upstream).not.toHaveProperty('capabilities')
    r.register({ ...node, node_id: 'proc' })
    expect([...r.capabilitiesOf('proc')]).toEqual(['image'])
  })
})

describe('runtime error reports', () => {
  it('keeps the latest per node and task; null or absent keeps it; the newest shows on the node', () => {
    const { r } = registry()
    r.register({ ...node, node_id: 'n' })
    expect(r.list()[0]).not.toHaveProperty('runtime_error')
    expect(r.heartbeat(beat('n', report('a'))).newReport).toEqual(report('a'))
    expect(r.heartbeat(beat('n', report('a'))).newReport).toBeUndefined()
    expect(r.heartbeat(beat('n', null)).newReport).toBeUndefined()
    r.heartbeat(beat('n'))
    expect(r.list()[0]!.runtime_error).toEqual(report('a'))
    r.heartbeat(beat('n', report('b', { exit_code: null, signal: 'SIGKILL' })))
    r.heartbeat(beat('n', report('a', { failed_instances: 7 })))
    expect(r.reportFor('n', 'a')!.failed_instances).toBe(7)
    expect(r.reportFor('n', 'b')!.signal).toBe('SIGKILL')
    expect(r.list()[0]!.runtime_error).toEqual(report('a', { failed_instances: 7 }))
  })

  it('keeps reports over a re-registration and drops them with the node', () => {
    const { r, advance } = registry()
    r.register({ ...node, node_id: 'n' })
    r.heartbeat(beat('n', report('a')))
    r.register({ ...node, node_id: 'n' })
    expect(r.list()[0]!.runtime_error).toEqual(report('a'))
    advance(61_000)
    expect(r.sweep(60_000)).toEqual(['n'])
    r.register({ ...node, node_id: 'n' })
    expect(r.list()[0]).not.toHaveProperty('runtime_error')
    expect(r.reportFor('n', 'a')).toBeUndefined()
  })

  it('ignores reports from unknown nodes and bounds the tasks kept per node', () => {
    const { r } = registry()
    expect(r.heartbeat(beat('ghost', report('a'))).known).toBe(false)
    r.register({ ...node, node_id: 'n' })
    for (let i = 0; i < 100; i++) r.heartbeat(beat('n', report(`t${i}`)))
    expect(r.reportFor('n', 't0')).toBeUndefined()
    expect(r.reportFor('n', 't99')).toBeDefined()
    expect(r.reportFor('n', 't68')).toBeDefined()
  })
})

describe('heartbeats, stops and the sweep', () => {
  it('records status, relays a stop once requested, and sweeps only the silent', () => {
    const { r, advance } = registry()
    r.register({ ...node, node_id: 'quiet' })
    r.register({ ...node, node_id: 'alive' })
    expect(r.heartbeat({ node_id: 'alive', status: 'Running', active_containers: 2 })).toMatchObject({
      known: true,
      stopRequested: false,
      becameError: false,
    })
    expect(r.heartbeat(beat('alive')).becameError).toBe(true)
    expect(r.heartbeat(beat('alive')).becameError).toBe(false)
    expect(r.requestStop('alive')).toBe(true)
    expect(r.requestStop('ghost')).toBe(false)
    expect(r.heartbeat(beat('alive')).stopRequested).toBe(true)
    advance(40_000)
    r.heartbeat(beat('alive'))
    advance(30_000)
    expect(r.sweep(60_000)).toEqual(['quiet'])
    expect(r.list().map((n) => n.id)).toEqual(['alive'])
    expect(r.heartbeat(beat('quiet')).known).toBe(false)
  })
})

describe('address', () => {
  const gc = { ...node, capabilities: ['command'] }
  it('lists where a gridcore node registered from; none in-process; an upstream node keeps upstream’s shape', () => {
    const { r } = registry()
    const a = r.register(gc, '10.0.0.7')
    const b = r.register(gc)
    const up = r.register(node, '10.0.0.9')
    const list = r.list()
    expect(list.find((n) => n.id === a)?.address).toBe('10.0.0.7')
    expect(list.find((n) => n.id === b)).not.toHaveProperty('address')
    expect(list.find((n) => n.id === up)).not.toHaveProperty('address')
    expect(r.addressOf(up)).toBe('10.0.0.9') // kept for the status page
    r.register({ ...gc, node_id: a }, '10.0.0.8')
    expect(r.list().find((n) => n.id === a)?.address).toBe('10.0.0.8')
  })
})
