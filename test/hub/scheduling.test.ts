// Scheduling for real: a `gridcore hub start` process, redis-server, embedded nodes of several groups (processes)
// and an upstream-shaped client speaking raw HTTP. Groups, preemption mid-batch (every item exactly once),
// auto-finish, and the long poll, over the wire.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ReliableQueue } from '../../src/queue/consumer.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { CONSUMER, sleep } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, raw, startHubProcess, TOKEN } from './process.js'

const dir = tempDir()
let redis: TestRedis
let r: Redis
let hub: HubProcess
const nodes: NodeProc[] = []

beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  hub = await startHubProcess(dir, 'sched', ['--auto-finish-settle', '1s', '--auto-finish-interval', '200ms'])
})
afterEach(() => stopNodes(nodes))
afterAll(async () => {
  await hub?.stop()
  await redis?.stop()
})

const node = (args: string[] = [], env: Record<string, string> = {}) => {
  const n = startNodeProc(dir, { url: hub.url, token: TOKEN }, { args, env })
  nodes.push(n)
  return n
}
const queues = () => {
  const p = `s${randomBytes(4).toString('hex')}`
  return { input_queue: `${p}:in`, output_queue: `${p}:out` }
}
const call = async (method: string, path: string, body?: unknown) => {
  const res = await hub.call(method, path, body)
  let json: any
  try {
    json = JSON.parse(res.text)
  } catch {}
  return { ...res, json }
}
async function register(name: string, extra: Record<string, unknown> = {}, q = queues()) {
  const res = await call('POST', '/api/tasks', {
    name,
    command: ['node', CONSUMER],
    input_redis: redis.url,
    ...q,
    ...extra,
  })
  expect(res.status, res.text).toBe(201)
  return q
}
async function pushRange(key: string, from: number, n: number) {
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => String(from + i + j))
    await r.lpush(key, ...batch)
  }
  await r.hincrby(`${key}:stats`, 'pushed', n)
}
/** Every result of the queue, checked to be exactly the ids from..from+n-1, each once. */
async function expectExactlyOnce(q: { output_queue: string }, from: number, n: number) {
  const ids = (await r.lrange(q.output_queue, 0, -1)).map((x) => Number(x.split(':')[0]))
  expect(ids.length).toBe(n)
  expect(new Set(ids).size).toBe(n)
  expect(Math.min(...ids)).toBe(from)
  expect(Math.max(...ids)).toBe(from + n - 1)
}
const details = async (name: string) => (await call('GET', `/api/tasks/${name}`)).json
const startedTasks = (n: NodeProc) =>
  n
    .logs()
    .filter((l) => l.msg.startsWith('starting '))
    .map((l) => l.task as string)

describe('worker groups over the wire', () => {
  it('serves each node its group’s task: gpu never gets a default task; an upstream client gets default', async () => {
    const gpu = node(['--group', 'gpu'])
    const auto = node() // detected group (docker or the OS): runs default tasks while its group has none
    await Promise.all([gpu.id(), auto.id()])
    const upstream = await call('POST', '/gridnode/register', {
      hostname: 'rust',
      architecture: 'x86_64',
      cpu_count: 2,
    })
    const upstreamId = upstream.json.node_id
    const d = await register('d-1', { image: 'img:d' })
    const g = await register('g-1', { group: 'gpu' })
    await pushRange(d.input_queue, 1, 2000)
    await pushRange(g.input_queue, 1, 1000)
    await waitFor('gpu results', async () => (await r.llen(g.output_queue)) === 1000, 30_000)
    await waitFor('default results', async () => (await r.llen(d.output_queue)) === 2000, 30_000)
    // The upstream-shaped poll (no node_id, no group) gets the default task's image config, upstream's keys only.
    const poll = await raw(
      hub.port,
      `GET /gridnode/task?platform=linux/amd64 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    )
    const body = JSON.parse(poll.data.split('\r\n\r\n')[1]!)
    expect(Object.keys(body)).toEqual([
      'task_name',
      'image',
      'redis_url',
      'input_redis',
      'output_redis',
      'input_queue',
      'output_queue',
    ])
    expect(body.task_name).toBe('d-1')
    // The gpu group's task done, gpu is idle while default still runs d-1: it never picks it up.
    expect((await call('POST', '/api/tasks/finish', { group: 'gpu' })).json).toMatchObject({
      completed: 'g-1',
    })
    await sleep(1_500)
    expect(startedTasks(gpu)).toEqual(['g-1'])
    expect(startedTasks(auto)).toEqual(['d-1'])
    const nodesList = (await call('GET', '/api/nodes?group=gpu')).json
    expect(nodesList.map((n: { id: string }) => n.id)).toEqual([await gpu.id()])
    expect((await call('GET', '/api/nodes?group=default')).json.map((n: { id: string }) => n.id)).toEqual([
      upstreamId,
    ])
    await call('POST', '/api/tasks/finish')
  })
})

describe('preemption', () => {
  it('a CRITICAL task registered mid-batch runs at once; both tasks’ items are processed exactly once', async () => {
    const a = node([], { SLOW_MS: '1', SLOW_EVERY: '2' })
    const b = node([], { SLOW_MS: '1', SLOW_EVERY: '2' })
    await Promise.all([a.id(), b.id()])
    const low = await register('low-batch', { priority: 'LOW' })
    await pushRange(low.input_queue, 1, 20_000)
    await waitFor('low under way', async () => (await r.llen(low.output_queue)) > 2_000, 30_000)
    const crit = await register('crit-batch', { priority: 'CRITICAL', auto_finish: true })
    await pushRange(crit.input_queue, 100_001, 5_000)
    expect((await call('GET', '/api/tasks')).json.current).toBe('crit-batch')
    const lowAtSwitch = await r.llen(low.output_queue)
    expect(lowAtSwitch).toBeLessThan(20_000)
    expect((await details('low-batch')).preemptions).toBe(1)
    // crit drains and finishes itself; low resumes and completes.
    await waitFor(
      'crit auto-finished',
      async () => (await details('crit-batch')).status === 'Completed',
      60_000,
    )
    expect((await details('crit-batch')).ended_by).toBe('auto-finish')
    expect((await call('GET', '/api/tasks')).json.current).toBe('low-batch')
    await waitFor('low done', async () => (await r.llen(low.output_queue)) === 20_000, 60_000)
    await expectExactlyOnce(crit, 100_001, 5_000)
    await expectExactlyOnce(low, 1, 20_000)
    const stats = await r.hgetall(`${low.input_queue}:stats`)
    expect(Number(stats.done)).toBe(20_000)
    await call('POST', '/api/tasks/finish')
  })
})

describe('auto-finish', () => {
  it('finishes a drained task by itself after the settle time; not while a consumer holds items', async () => {
    const q = await register('held', { auto_finish: true, auto_finish_settle: 1 })
    await pushRange(q.input_queue, 1, 50)
    // A consumer takes every item and keeps its lease alive: the input is empty, but nothing is done.
    const queue = new ReliableQueue({
      input: r,
      inputQueue: q.input_queue,
      outputQueue: q.output_queue,
      consumer: 'test:0',
      leaseMs: 2_000,
    })
    const batch = (await queue.take(100))!
    expect(batch.items).toHaveLength(50)
    await sleep(3_500)
    expect((await details('held')).status).toBe('Running')
    expect(
      await queue.commit(
        batch,
        batch.items.map((i) => ({ result: i })),
      ),
    ).toBe('ok')
    queue.stop()
    const t0 = Date.now()
    await waitFor('auto-finish', async () => (await details('held')).status === 'Completed', 20_000)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800)
    expect((await details('held')).ended_by).toBe('auto-finish')
  })

  it('leaves a task that never saw an item running', async () => {
    await register('empty', { auto_finish: true, auto_finish_settle: 0 })
    await sleep(1_500)
    expect((await details('empty')).status).toBe('Running')
    await call('POST', '/api/tasks/finish')
  })
})

describe('long poll', () => {
  it('holds a poll until the task changes, then answers at once; an upstream poll is answered at once', async () => {
    await register('lp-1')
    const t0 = Date.now()
    const held = raw(
      hub.port,
      `GET /gridnode/task?platform=linux/amd64&wait=20 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      { waitMs: 25_000 },
    )
    const plain = await call('GET', '/gridnode/task?platform=linux/amd64')
    expect(Date.now() - t0).toBeLessThan(2_000)
    expect(plain.text).toBe('null') // a command-only task: null to an upstream node
    await sleep(500)
    await register('lp-2', { image: 'img:2' })
    const finished = Date.now()
    await call('POST', '/api/tasks/finish')
    const reply = await held
    expect(Date.now() - finished).toBeLessThan(1_000)
    expect(JSON.parse(reply.data.split('\r\n\r\n')[1]!).task_name).toBe('lp-2')
    await call('POST', '/api/tasks/finish')
  })
})

describe('an upstream-shaped client (raw HTTP) sees upstream’s bytes', () => {
  it('register, list, poll, nodes, finish and next answer exactly as before scheduling existed', async () => {
    const h = await startHubProcess(dir, 'upstream-bytes')
    try {
      const send = async (method: string, path: string, body?: string) => {
        const head = `${method} ${path} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${TOKEN}\r\n`
        const req = body
          ? `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
          : `${head}\r\n`
        const reply = await raw(h.port, req)
        return { status: reply.status, body: reply.data.split('\r\n\r\n').slice(1).join('\r\n\r\n') }
      }
      const reg = await send(
        'POST',
        '/gridnode/register',
        '{"hostname":"rust","architecture":"x86_64","cpu_count":2}',
      )
      const id = JSON.parse(reg.body).node_id
      expect(reg.body).toBe(`{"node_id":"${id}","current_task":null}`)
      expect(
        (await send('POST', '/api/tasks', '{"name":"a","image":"img:a","input_queue":"qa"}')).status,
      ).toBe(201)
      expect((await send('POST', '/api/tasks', '{"name":"b","image":"img:b"}')).status).toBe(201)
      expect((await send('GET', '/api/tasks')).body).toBe('{"current":"a","pending":["b"],"completed":[]}')
      expect((await send('GET', '/gridnode/task?platform=linux/amd64')).body).toBe(
        '{"task_name":"a","image":"img:a","redis_url":null,"input_redis":null,"output_redis":null,"input_queue":"qa","output_queue":null}',
      )
      const nodes = JSON.parse((await send('GET', '/api/nodes')).body)
      expect(Object.keys(nodes[0])).toEqual([
        'id',
        'hostname',
        'architecture',
        'cpu_count',
        'last_seen',
        'status',
        'runtime_status',
        'active_containers',
      ])
      expect(
        await send(
          'POST',
          '/gridnode/heartbeat',
          `{"node_id":"${id}","status":"Idle","active_containers":0}`,
        ),
      ).toEqual({
        status: 200,
        body: '{"stop_requested":false}',
      })
      expect((await send('POST', '/api/tasks/finish')).body).toBe(
        `{"completed":"a","started":"b","message":"Task 'a' completed, 'b' started"}`,
      )
      expect(await send('POST', '/api/tasks/next')).toEqual({ status: 400, body: 'No more tasks available' })
      expect((await send('GET', '/api/tasks')).body).toBe(
        '{"current":null,"pending":[],"completed":["a","b"]}',
      )
      expect((await send('POST', '/api/tasks/finish')).body).toBe(
        `{"completed":"b","started":null,"message":"Task 'b' completed, no more tasks"}`,
      )
    } finally {
      await h.stop()
    }
  })
})
