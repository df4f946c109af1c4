// A run's GPUs: `run --image IMG --gpus N` puts gpus on the task it registers, and the run's record keeps them so
// --resume and --retry register the same task (records written before gpus existed read as no GPUs).
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
