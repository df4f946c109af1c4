// The task a run registers. GPUs: `run --image IMG --gpus N` puts gpus on it, and the run's record keeps them so
// --resume and --retry register the same task (records written before gpus existed read as no GPUs). --command: a
// portable worker command (a bare `gridcore`, which every node runs as its own gridcore) with --lease when given,
// the lease kept in the record the same way.
import { describe, expect, it } from 'vitest'
import { RedisUrl } from '../../src/redis/url.js'
import { newRecord, type RunRecord, recordedWhat } from '../../src/run/records/record.js'
import { type RunWhat, taskSpecFor } from '../../src/run/task-spec.js'

const redis = RedisUrl.parse('redis://127.0.0.1:6379')
const q = { input: 'gridcore:r:in', output: 'gridcore:r:out' }
const record = (what: RunWhat) =>
  newRecord({
    task: 'r',
    cluster: 'local',
    hub: 'http://127.0.0.1:1',
    redis: redis.shown,
    queues: q,
    input: { kind: 'range', range: '1..10' },
    output: null,
    outputFormat: 'raw',
    what,
    cwd: '/tmp',
  })

describe('gpus on a run', () => {
  it('an image run with gpus registers them; one without, or a command, registers none', () => {
    expect(taskSpecFor({ image: 'img:1', gpus: 2 }, 'r', redis, q, '/tmp')).toMatchObject({
      image: 'img:1',
      gpus: 2,
    })
    expect(taskSpecFor({ image: 'img:1', gpus: 'all' }, 'r', redis, q, '/tmp').gpus).toBe('all')
    expect(taskSpecFor({ image: 'img:1' }, 'r', redis, q, '/tmp')).not.toHaveProperty('gpus')
    expect(taskSpecFor({ consumer: 'c' }, 'r', redis, q, '/tmp')).not.toHaveProperty('gpus')
  })

  it('the record keeps them, so --resume and --retry ask for the same GPUs', () => {
    const rec = record({ image: 'img:1', gpus: 3 })
    expect(rec.gpus).toBe(3)
    expect(recordedWhat(JSON.parse(JSON.stringify(rec)) as RunRecord)).toEqual({ image: 'img:1', gpus: 3 })
    expect(record({ image: 'img:1' }).gpus).toBeNull()
    expect(recordedWhat(record({ image: 'img:1' }))).toEqual({ image: 'img:1' })
    expect(record({ command: 'cat', itemTimeoutMs: 1000 }).gpus).toBeNull()
    // A record written before gpus existed has no such field.
    const { gpus: _, ...older } = record({ image: 'img:1' })
    expect(recordedWhat(older as RunRecord)).toEqual({ image: 'img:1' })
  })
})

describe('taskSpecFor --command', () => {
  const tls = RedisUrl.parse('rediss://:pw@10.0.0.5:6379')
  it('registers `gridcore worker …`: no path of this machine, which a node on another host would not have', () => {
    const t = taskSpecFor({ command: 'sed -u s/^/r:/', itemTimeoutMs: 30_000 }, 'r', tls, q, '/work')
    expect(t.command).toEqual(['gridcore', 'worker', '--filter', 'sed -u s/^/r:/', '--item-timeout', '30'])
    expect(t).toMatchObject({ input_redis: tls.href, cwd: '/work', auto_finish: true })
  })

  it('passes --lease to the worker when the run was given one', () => {
    const t = taskSpecFor({ command: 'cat', itemTimeoutMs: 5_000, leaseMs: 2_500 }, 'r', tls, q, '/')
    expect(t.command).toEqual([
      'gridcore',
      'worker',
      '--filter',
      'cat',
      '--item-timeout',
      '5',
      '--lease',
      '2.5',
    ])
  })

  it('the record keeps the lease for --resume and --retry, and reads records written before it existed', () => {
    const what = { command: 'cat', itemTimeoutMs: 30_000 }
    expect(record({ ...what, leaseMs: 5_000 }).lease_s).toBe(5)
    expect(recordedWhat(record({ ...what, leaseMs: 5_000 }))).toEqual({ ...what, leaseMs: 5_000 })
    expect(recordedWhat(record(what))).toEqual(what)
    const { lease_s: _, ...older } = record(what)
    expect(recordedWhat(older as RunRecord)).toEqual(what)
  })
})
