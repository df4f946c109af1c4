// The watching routes through the app function: logs on heartbeats (shapes refused with 422, upstream answers
// unchanged), GET /api/logs (filters, paging, long poll, masking for read tokens), /api/overview, /api/ledger and
// /metrics parsed as Prometheus text, with a queue reader standing in for the Redis one (tested against Redis
// in observe.test.ts).
import { describe, expect, it } from 'vitest'
import type { QueueProbe, QueueReader, QueueReading } from '../../src/hub/queue-stats.js'
import { parsePrometheus, sampleValue } from '../helpers/prom.js'
import { appFixture, TOKEN } from './fixture.js'

const node = { hostname: 'w1', architecture: 'x86_64', cpu_count: 2 }
const line = (text: string, stream = 'stdout') => ({ at: '2026-01-01T00:00:00Z', stream, text })
const beat = (id: string, logs?: unknown) => ({
  node_id: id,
  status: 'Running',
  active_containers: 2,
  ...(logs === undefined ? {} : { logs }),
})

function cluster(reader?: QueueReader) {
  const f = appFixture(undefined, undefined, reader ? { queueReader: reader } : {})
  expect(
    f.call('POST', '/api/tasks', { body: { name: 'sq', command: ['cat'], input_queue: 'sq:in' } }).status,
  ).toBe(201)
  const id = f.call('POST', '/gridnode/register', { body: node }).json.node_id as string
  return { f, id }
}

/** A reader whose readings the test sets; counts the reads it was asked for. */
function fakeReader() {
  const readings = new Map<string, Partial<QueueReading>>()
  const asked: QueueProbe[][] = []
  let clock = 1_000
  const reader: QueueReader & { readings: typeof readings; asked: typeof asked; tick(ms: number): void } = {
    readings,
    asked,
    tick: (ms) => {
      clock += ms
    },
    async read(tasks) {
      asked.push(tasks)
      const out = new Map()
      for (const t of tasks) {
        const r = readings.get(t.spec.name)
        out.set(
          t.id,
          r
            ? {
                at: clock,
                input_queue: t.spec.input_queue,
                output_queue: `${t.spec.input_queue}:output`,
                input: 0,
                suspects: 0,
                processing: 0,
                output: 0,
                failed: 0,
                dead: 0,
                stats: {},
                done: 0,
                total: 0,
                counted: true,
                ledger: {},
                ...r,
              }
            : { error: `cannot read the queues of task '${t.spec.name}': connection refused` },
        )
      }
      return out
    },
    async close() {},
  }
  return reader
}

describe('logs on heartbeats', () => {
  it('keeps the lines of a known task and says how many; an upstream heartbeat gets upstream’s answer', () => {
    const { f, id } = cluster()
    expect(f.call('POST', '/gridnode/heartbeat', { body: beat(id) }).text).toBe('{"stop_requested":false}')
    const r = f.call('POST', '/gridnode/heartbeat', {
      body: beat(id, [
        { task: 'sq', instance: 1, lines: [line('starting'), line('Traceback: boom', 'stderr')], dropped: 2 },
        { task: 'never-registered', instance: 0, lines: [line('x')], dropped: 0 },
      ]),
    })
    expect(r.json).toEqual({ stop_requested: false, logs_accepted: 2 })
    const logs = f.call('GET', '/api/logs').json
    expect(
      logs.lines.map((l: { text: string; stream: string; instance: number; hostname: string }) => [
        l.text,
        l.stream,
        l.instance,
        l.hostname,
      ]),
    ).toEqual([
      ['starting', 'stdout', 1, 'w1'],
      ['Traceback: boom', 'stderr', 1, 'w1'],
    ])
    expect(logs.dropped).toBe(2)
    // A node the hub forgot keeps its lines: nothing was kept.
    expect(f.call('POST', '/gridnode/heartbeat', { body: beat('gone', []) }).json).toEqual({
      stop_requested: false,
      reregister: true,
      logs_accepted: 0,
    })
  })

  it.each([
    ['logs is not a list', { task: 'sq' }, 'logs: invalid type: map, expected a sequence'],
    ['a batch without task', [{ instance: 0, lines: [], dropped: 0 }], 'missing field `task`'],
    ['a negative instance', [{ task: 'sq', instance: -1, lines: [], dropped: 0 }], 'logs[0].instance'],
    [
      'lines not a list',
      [{ task: 'sq', instance: 0, lines: 'x', dropped: 0 }],
      'logs[0].lines: invalid type',
    ],
    [
      'an unknown stream',
      [{ task: 'sq', instance: 0, lines: [line('x', 'stdin')], dropped: 0 }],
      'logs[0].lines[0].stream: unknown variant `stdin`',
    ],
    [
      'a time that is not one',
      [{ task: 'sq', instance: 0, lines: [{ at: 'yesterday', stream: 'stdout', text: 'x' }], dropped: 0 }],
      'logs[0].lines[0].at: expected an RFC 3339 time',
    ],
    [
      'text that is not a string',
      [{ task: 'sq', instance: 0, lines: [{ at: line('').at, stream: 'stdout', text: 5 }], dropped: 0 }],
      'logs[0].lines[0].text: invalid type: integer `5`, expected a string',
    ],
    ['dropped missing', [{ task: 'sq', instance: 0, lines: [] }], 'missing field `dropped`'],
  ])('refuses %s with 422 and keeps nothing', (_what, logs, message) => {
    const { f, id } = cluster()
    const r = f.call('POST', '/gridnode/heartbeat', { body: beat(id, logs) })
    expect(r.status).toBe(422)
    expect(r.text).toContain(message)
    expect(f.call('GET', '/api/logs').json.lines).toEqual([])
  })

  it('cuts a line longer than 4096 bytes, at a character boundary, marked with …', () => {
    const { f, id } = cluster()
    const long = `${'é'.repeat(3000)}`
    f.call('POST', '/gridnode/heartbeat', {
      body: beat(id, [{ task: 'sq', instance: 0, lines: [line(long)], dropped: 0 }]),
    })
    const kept = f.call('GET', '/api/logs').json.lines[0].text as string
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(4096)
    expect(kept.endsWith('…')).toBe(true)
    expect(kept.slice(0, -1)).toBe('é'.repeat(2046))
  })
})

describe('GET /api/logs', () => {
  function withLines() {
    const { f, id } = cluster()
    const other = f.call('POST', '/gridnode/register', { body: { ...node, hostname: 'w2' } }).json.node_id
    f.call('POST', '/api/tasks', { body: { name: 'next', command: ['cat'] } })
    const send = (n: string, task: string, instance: number, ...texts: string[]) =>
      f.call('POST', '/gridnode/heartbeat', {
        body: beat(n, [{ task, instance, lines: texts.map((t) => line(t)), dropped: 0 }]),
      })
    send(id, 'sq', 0, 'a0', 'a1')
    send(other, 'sq', 1, 'b0')
    send(id, 'next', 0, 'n0')
    return { f, id, other }
  }
  const texts = (r: { json: { lines: { text: string }[] } }) => r.json.lines.map((l) => l.text)

  it('filters by node, task (repeatable) and instance, and pages with after/next/limit', () => {
    const { f, id, other } = withLines()
    expect(texts(f.call('GET', `/api/logs?node=${id}`))).toEqual(['a0', 'a1', 'n0'])
    expect(texts(f.call('GET', `/api/logs?node=${other}&node=${id}&task=sq`))).toEqual(['a0', 'a1', 'b0'])
    expect(texts(f.call('GET', '/api/logs?task=sq&instance=1'))).toEqual(['b0'])
    expect(texts(f.call('GET', '/api/logs?limit=2'))).toEqual(['b0', 'n0'])
    const page = f.call('GET', '/api/logs?after=0&limit=2').json
    expect(page.lines.map((l: { text: string }) => l.text)).toEqual(['a0', 'a1'])
    expect(texts(f.call('GET', `/api/logs?after=${page.next}`))).toEqual(['b0', 'n0'])
  })

  it.each([
    ['after=-1', '`after` must be a whole number'],
    ['limit=0', '`limit` must be a whole number from 1 to 10000'],
    ['limit=10001', '`limit` must be a whole number from 1 to 10000'],
    ['instance=x', '`instance`'],
    ['wait=31', '`wait` must be a whole number from 0 to 30'],
  ])('refuses ?%s with 400', (q, message) => {
    const { f } = withLines()
    const r = f.call('GET', `/api/logs?${q}`)
    expect(r.status).toBe(400)
    expect(r.text).toContain(message)
  })

  it('long-polls with after+wait until a matching line arrives', async () => {
    const { f, id } = withLines()
    const next = f.call('GET', '/api/logs?task=sq').json.next
    const t0 = Date.now()
    const held = f.app.requestAsync(`/api/logs?task=sq&after=${next}&wait=10`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    setTimeout(() => {
      f.call('POST', '/gridnode/heartbeat', {
        body: beat(id, [{ task: 'next', instance: 0, lines: [line('not this')], dropped: 0 }]),
      })
    }, 50)
    setTimeout(() => {
      f.call('POST', '/gridnode/heartbeat', {
        body: beat(id, [{ task: 'sq', instance: 0, lines: [line('this one')], dropped: 0 }]),
      })
    }, 150)
    const r = JSON.parse((await held).body)
    expect(r.lines.map((l: { text: string }) => l.text)).toEqual(['this one'])
    expect(Date.now() - t0).toBeLessThan(5_000)
  })

  it('masks Redis passwords in lines for a read token', async () => {
    const { f, id } = cluster()
    const read = f.call('POST', '/api/tokens', { body: { role: 'read', name: 'r' } }).json.token
    f.call('POST', '/gridnode/heartbeat', {
      body: beat(id, [
        { task: 'sq', instance: 0, lines: [line('cannot reach redis://:hunter2@db:6379')], dropped: 0 },
      ]),
    })
    const shown = f.call('GET', '/api/logs', { auth: `Bearer ${read}` })
    expect(shown.text).not.toContain('hunter2')
    expect(shown.json.lines[0].text).toBe('cannot reach redis://:***@db:6379')
    const held = await f.app.requestAsync('/api/logs?after=0&wait=1', {
      headers: { authorization: `Bearer ${read}` },
    })
    expect(held.body).not.toContain('hunter2')
    expect(f.call('GET', '/api/logs').text).toContain('hunter2')
  })
})

describe('overview, ledger and metrics', () => {
  it('shows nodes with where they connect from, the task they serve and their ledger, and each group’s progress', async () => {
    const reader = fakeReader()
    const { f, id } = cluster(reader)
    reader.readings.set('sq', {
      done: 40,
      total: 100,
      input: 50,
      processing: 10,
      stats: { pushed: 100, done: 39, failed: 1 },
      ledger: { [id]: { done: 30, failed: 1 }, departed: { done: 9, failed: 0 } },
    })
    f.call('POST', '/gridnode/heartbeat', { body: beat(id) })
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } }
    const first = JSON.parse((await f.app.requestAsync('/api/overview', auth)).body)
    expect(first.nodes).toEqual([
      expect.objectContaining({
        id,
        hostname: 'w1',
        runtime_status: 'Running',
        active_containers: 2,
        address: null,
        serving: 'sq',
        ledger: { task: 'sq', done: 30, failed: 1 },
      }),
    ])
    expect(first.groups).toEqual([
      expect.objectContaining({
        group: 'default',
        current: 'sq',
        progress: expect.objectContaining({
          task: 'sq',
          done: 40,
          total: 100,
          waiting: 50,
          processing: 10,
          rate: null,
        }),
      }),
    ])
    reader.tick(2_000)
    reader.readings.set('sq', { ...reader.readings.get('sq'), done: 60 })
    const second = JSON.parse((await f.app.requestAsync('/api/overview', auth)).body)
    expect(second.groups[0].progress).toMatchObject({ done: 60, rate: 10, eta_s: 4, failed: 1 })
    const ledger = JSON.parse((await f.app.requestAsync('/api/ledger?task=sq', auth)).body)
    expect(ledger).toMatchObject({
      task: 'sq',
      status: 'Running',
      error: null,
      totals: { done: 39, failed: 1 },
      nodes: [
        { node: id, hostname: 'w1', done: 30, failed: 1 },
        { node: 'departed', hostname: null, done: 9, failed: 0 },
      ],
    })
    expect(f.call('GET', '/api/ledger?task=nope').status).toBe(404)
  })

  it('says why a task has no progress when its queues cannot be read, and when no reader is plugged in', async () => {
    const reader = fakeReader()
    const { f } = cluster(reader)
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } }
    const o = JSON.parse((await f.app.requestAsync('/api/overview', auth)).body)
    expect(o.groups[0].progress.error).toBe("cannot read the queues of task 'sq': connection refused")
    const { f: bare } = cluster()
    const b = JSON.parse((await bare.app.requestAsync('/api/overview', auth)).body)
    expect(b.groups[0].progress.error).toContain('reads no queues')
  })

  it('exposes the cluster as Prometheus text: tasks, nodes, heartbeats, registrations, queues, ledger, logs', async () => {
    const reader = fakeReader()
    const { f, id } = cluster(reader)
    f.call('POST', '/api/tasks', { body: { name: 'later', command: ['cat'] } })
    f.call('POST', '/api/tasks', { body: { name: 'gpu-job', command: ['cat'], group: 'gpu' } })
    reader.readings.set('sq', {
      done: 40,
      total: 100,
      input: 50,
      output: 38,
      processing: 10,
      stats: { pushed: 100, done: 38, failed: 1, dead: 1 },
      ledger: { [id]: { done: 38, failed: 1 } },
    })
    f.call('POST', '/gridnode/heartbeat', { body: beat(id) })
    f.call('POST', '/gridnode/heartbeat', {
      body: beat(id, [{ task: 'sq', instance: 0, lines: [line('x'), line('y')], dropped: 3 }]),
    })
    const res = await f.app.requestAsync('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    const m = parsePrometheus(res.body)
    expect(m.get('gridcore_hub_tasks')?.type).toBe('gauge')
    expect(sampleValue(m, 'gridcore_hub_tasks', { group: 'default', state: 'running' })).toBe(1)
    expect(sampleValue(m, 'gridcore_hub_tasks', { group: 'default', state: 'pending' })).toBe(1)
    expect(sampleValue(m, 'gridcore_hub_tasks', { group: 'gpu', state: 'running' })).toBe(1)
    expect(sampleValue(m, 'gridcore_hub_nodes', { status: 'Online', runtime_status: 'Running' })).toBe(1)
    expect(sampleValue(m, 'gridcore_hub_heartbeats_total')).toBe(2)
    expect(sampleValue(m, 'gridcore_hub_registrations_total')).toBe(1)
    expect(m.get('gridcore_task_items_total')?.type).toBe('counter')
    expect(sampleValue(m, 'gridcore_task_items_total', { task: 'sq', state: 'done' })).toBe(38)
    expect(sampleValue(m, 'gridcore_task_items_total', { task: 'sq', state: 'pushed' })).toBe(100)
    expect(sampleValue(m, 'gridcore_task_queue_length', { task: 'sq', queue: 'input' })).toBe(50)
    expect(sampleValue(m, 'gridcore_task_queue_up', { task: 'sq' })).toBe(1)
    expect(sampleValue(m, 'gridcore_task_queue_up', { task: 'gpu-job' })).toBe(0)
    expect(sampleValue(m, 'gridcore_node_items_total', { task: 'sq', node: id, result: 'done' })).toBe(38)
    expect(sampleValue(m, 'gridcore_hub_log_lines_received_total')).toBe(2)
    expect(sampleValue(m, 'gridcore_hub_log_lines_dropped_total', { by: 'node' })).toBe(3)
  })

  it('records requests by route pattern, never by raw path', () => {
    const { f } = cluster()
    f.app.metrics.recordRequest('GET', '/api/tasks/{name}', 404, 0.001)
    f.app.metrics.recordRequest('BREW', '(unmatched)', 404, 0.001)
    const decision = f.app.decide({ method: 'GET', target: '/api/tasks/some-name', header: () => undefined })
    expect(decision.route).toBe('/api/tasks/{name}')
    expect(f.app.decide({ method: 'GET', target: '/x/y/z', header: () => undefined }).route).toBe(
      '(unmatched)',
    )
    expect(f.app.decide({ method: 'GET', target: '%zz', header: () => undefined }).route).toBe('(invalid)')
  })

  it('the Prometheus parser used here refuses malformed text', () => {
    expect(() => parsePrometheus('# TYPE a counter\na{x="1} 1\n')).toThrow()
    expect(() => parsePrometheus('b 1\n')).toThrow(/no # TYPE/)
    expect(() => parsePrometheus('# TYPE a gauge\na one\n')).toThrow(/bad value/)
    expect(parsePrometheus('# TYPE a gauge\na{x="q\\"\\n"} +Inf\n').get('a')?.samples[0]).toEqual({
      name: 'a',
      labels: { x: 'q"\n' },
      value: Number.POSITIVE_INFINITY,
    })
  })
})
