// "The task cannot start" verdicts from what GET /api/nodes and the counters say, no processes.
import { describe, expect, it } from 'vitest'
import type { NodeInfo, RuntimeErrorReport } from '../../src/hub/protocol.js'
import type { QueueSnapshot } from '../../src/queue/ops.js'
import { progressOf } from '../../src/queue/progress.js'
import {
  cannotStartCheck,
  excerpt,
  fixFor,
  incapableNodesError,
  staleReports,
} from '../../src/run/cannot-start.js'

const node = (o: Partial<NodeInfo> = {}): NodeInfo => ({
  id: 'n1',
  hostname: 'h1',
  architecture: 'x86_64',
  cpu_count: 2,
  last_seen: new Date().toISOString(),
  status: 'Online',
  runtime_status: 'Idle',
  active_containers: 0,
  ...o,
})
const report = (o: Partial<RuntimeErrorReport> = {}): RuntimeErrorReport => ({
  task: 't',
  message: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'redis'",
  exit_code: 1,
  signal: null,
  failed_instances: 3,
  log_path: '/var/log/t-0.log',
  at: new Date(1_000_000).toISOString(),
  ...o,
})
const snap = (stats: Record<string, number> = {}): QueueSnapshot => ({
  input_queue: 'q:in',
  output_queue: 'q:out',
  input: 10,
  suspects: 0,
  processing: 0,
  output: 0,
  failed: 0,
  dead: 0,
  consumers: [],
  stats: {
    pushed: 10,
    done: 0,
    failed: 0,
    dead: 0,
    collected: 0,
    refused: 0,
    recovered: 0,
    retried: 0,
    ...stats,
  },
  has_stats: true,
})
const view = (nodes: NodeInfo[] | null, now = 1_000_000, s = snap()) => ({
  nodes,
  now,
  snapshot: s,
  progress: progressOf(s),
})

describe('incapableNodesError', () => {
  it('says which kind of node is missing when online nodes cannot run the task; upstream nodes run images', () => {
    const upstream = node({ id: 'up1' })
    const e = incapableNodesError([upstream], { command: 'cat', itemTimeoutMs: 1 })!
    expect(e.code).toBe('CANNOT_START')
    expect(e.exitCode).toBe(11)
    expect(e.message).toMatch(/runs a program .* up1 \(h1\), run only container images: .*--runtime process/)
    const proc = node({ capabilities: ['command'] })
    expect(incapableNodesError([proc], { image: 'x' })!.message).toMatch(
      /run only processes: .*--runtime docker/,
    )
    expect(incapableNodesError([proc, upstream], { image: 'x' })).toBeUndefined()
    expect(incapableNodesError([node({ capabilities: ['command', 'image'] })], 'image')).toBeUndefined()
  })

  it('says nothing when no node is online (the stall timeout speaks then)', () => {
    expect(incapableNodesError([], 'command')).toBeUndefined()
    expect(incapableNodesError([node({ status: 'Offline' })], 'command')).toBeUndefined()
  })
})

describe('cannotStartCheck', () => {
  const check = () =>
    cannotStartCheck({ task: 't', needs: 'command', stale: new Map([['old', 'T0']]), after: 'after' })

  it('fails once the task’s instances failed 3 times on the nodes together with nothing committed', () => {
    const c = check()
    const two = [node({ capabilities: ['command'], runtime_error: report({ failed_instances: 2 }) })]
    expect(c(view(two))).toBeUndefined()
    const e = c(
      view([
        ...two,
        node({ id: 'n2', capabilities: ['command'], runtime_error: report({ failed_instances: 1 }) }),
      ]),
    )!
    expect(e.code).toBe('CANNOT_START')
    expect(e.message).toContain(
      "Traceback (most recent call last): … ModuleNotFoundError: No module named 'redis'",
    )
    expect(e.message).toContain('exit code 1, 3 instances failed; log on that node: /var/log/t-0.log')
    expect(e.message).toMatch(/A package the program needs is missing .*; after$/)
    expect(e.details).toMatchObject({
      reason: 'instances-failing',
      node: { hostname: 'h1' },
      failed_instances: 3,
    })
  })

  it('leaves a task alone once items are committed (done or failed), and ignores other or older tasks', () => {
    const n = [node({ capabilities: ['command'], runtime_error: report() })]
    expect(check()(view(n, 1_000_000, snap({ done: 1 })))).toBeUndefined()
    expect(check()(view(n, 1_000_000, snap({ failed: 1 })))).toBeUndefined()
    const other = [node({ capabilities: ['command'], runtime_error: report({ task: 'u' }) })]
    expect(check()(view(other))).toBeUndefined()
    // A report an earlier task of the name left (seen before this one was registered) is not this task's…
    const old = [node({ id: 'old', capabilities: ['command'], runtime_error: report({ at: 'T0' }) })]
    expect(check()(view(old))).toBeUndefined()
    // …until that node sends a new one.
    const fresh = [node({ id: 'old', capabilities: ['command'], runtime_error: report({ at: 'T1' }) })]
    expect(check()(view(fresh))?.code).toBe('CANNOT_START')
  })

  it('believes "no node can run it" after 2 s, not on the first poll; a hub that did not answer says nothing', () => {
    const c = check()
    expect(c(view([node()], 1_000_000))).toBeUndefined()
    expect(c(view(null, 1_001_000))).toBeUndefined()
    expect(c(view([node()], 1_001_500))).toBeUndefined()
    expect(c(view([node()], 1_002_100))?.details).toMatchObject({
      reason: 'no-capable-node',
      needs: 'command',
    })
  })
})

describe('staleReports', () => {
  it('keeps, per node, the time of the report it holds for that task name', () => {
    const nodes = [
      node({ id: 'a', runtime_error: report({ task: 't', at: 'A' }) }),
      node({ id: 'b', runtime_error: report({ task: 'u', at: 'B' }) }),
      node({ id: 'c' }),
    ]
    expect(staleReports(nodes, 't')).toEqual(new Map([['a', 'A']]))
  })
})

describe('messages', () => {
  it('excerpt: first and last line, or the last when it repeats the first', () => {
    expect(excerpt('a\n b \n\nc')).toBe('a … c')
    expect(excerpt('x: not found\ny: x: not found')).toBe('y: x: not found')
    expect(excerpt('')).toBe('(no output)')
  })
  it('fixFor: a missing package, a missing program, permissions, the allow-list', () => {
    expect(fixFor('{"error": "the redis package is missing"}')).toMatch(/package .* missing/)
    expect(fixFor('spawn nope ENOENT')).toMatch(/does not exist/)
    expect(fixFor('/bin/sh: 1: nope: not found')).toMatch(/does not exist/)
    expect(fixFor('EACCES')).toMatch(/chmod/)
    expect(fixFor('not in allowed_commands')).toMatch(/setting/)
    expect(fixFor('boom')).toMatch(/Fix what the error says/)
  })
})
