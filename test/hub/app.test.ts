// Contract tests of every ComputeHub route over real HTTP on loopback (upstream codes and bodies).
import { afterEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
let n = 0
async function fresh(opts: { nodeTimeoutMs?: number; sweepIntervalMs?: number } = {}) {
  hub = await startTestHub({ dir, stateFile: `${dir}/state-${n++}.json`, ...opts })
  return hub
}
afterEach(async () => {
  await hub?.stop()
})

const task = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `img:${name}`, ...extra })
const register = (h: TestHub, body: unknown) => h.call('POST', '/api/tasks', { body })
const node = { hostname: 'worker-1', architecture: 'x86_64', cpu_count: 4 }

const PROTECTED: [string, string, unknown?][] = [
  ['POST', '/api/tasks', task('x')],
  ['GET', '/api/tasks'],
  ['POST', '/api/tasks/next'],
  ['POST', '/api/tasks/finish'],
  ['GET', '/api/nodes'],
  ['POST', '/api/nodes/abc/stop'],
  ['POST', '/gridnode/register', node],
  ['POST', '/gridnode/heartbeat', { node_id: 'a', status: 'Idle', active_containers: 0 }],
  ['GET', '/gridnode/task?platform=linux/amd64'],
]

describe('GET /health', () => {
  it('answers 200 OK as text without auth', async () => {
    const h = await fresh()
    const r = await h.call('GET', '/health', { auth: false })
    expect(r.status).toBe(200)
    expect(r.text).toBe('OK')
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8')
  })
})

describe('auth', () => {
  it.each(PROTECTED)(
    '%s %s is 401 with an empty body for missing, wrong and other-length tokens',
    async (method, path, body) => {
      const h = await fresh()
      for (const auth of [
        false,
        'Bearer wrong-token-0123456789',
        'Bearer x',
        `Basic ${h.token}`,
        `Bearer ${h.token}x`,
      ] as const) {
        const r = await h.call(method, path, { body, auth })
        expect(r.status, String(auth)).toBe(401)
        expect(r.text).toBe('')
      }
      expect((await h.call('GET', '/api/tasks')).status).toBe(200)
      expect((await h.call('GET', '/api/tasks')).json).toEqual({ current: null, pending: [], completed: [] })
    },
  )

  it('never writes the token into its logs', async () => {
    const h = await fresh()
    await register(h, task('a'))
    await h.call('GET', '/api/tasks', { auth: 'Bearer nope' })
    expect(h.logs.length).toBeGreaterThan(0)
    expect(h.logs.join('\n')).not.toContain(h.token)
  })
})

describe('tasks', () => {
  it('registers with 201 and an empty body; the first starts, the rest wait; names may repeat', async () => {
    const h = await fresh()
    const r = await register(h, task('a'))
    expect(r.status).toBe(201)
    expect(r.text).toBe('')
    await register(h, task('b'))
    await register(h, task('a'))
    expect((await h.call('GET', '/api/tasks')).json).toEqual({
      current: 'a',
      pending: ['b', 'a'],
      completed: [],
    })
  })

  it('rejects bodies like axum: 422 without name, 415 without JSON content type, 400 for broken JSON', async () => {
    const h = await fresh()
    const noName = await register(h, { image: 'x' })
    expect(noName.status).toBe(422)
    expect(noName.text).toContain('missing field `name`')
    const wrongType = await register(h, { name: 5 })
    expect(wrongType.status).toBe(422)
    const noType = await h.call('POST', '/api/tasks', { body: task('a'), contentType: null })
    expect(noType.status).toBe(415)
    expect(noType.text).toBe('Expected request with `Content-Type: application/json`')
    const broken = await h.call('POST', '/api/tasks', { body: '{"name":' })
    expect(broken.status).toBe(400)
    expect(broken.text).toMatch(/^Failed to parse the request body as JSON/)
    expect((await h.call('GET', '/api/tasks')).json.current).toBeNull()
  })

  it('finish: 400 before any task, then completes and starts the next, then reports no more tasks', async () => {
    const h = await fresh()
    const none = await h.call('POST', '/api/tasks/finish')
    expect(none.status).toBe(400)
    expect(none.text).toBe('No current task running')
    await register(h, task('a'))
    await register(h, task('b'))
    const first = await h.call('POST', '/api/tasks/finish')
    expect(first.status).toBe(200)
    expect(first.json).toEqual({ completed: 'a', started: 'b', message: "Task 'a' completed, 'b' started" })
    const last = await h.call('POST', '/api/tasks/finish')
    expect(last.json).toEqual({ completed: 'b', started: null, message: "Task 'b' completed, no more tasks" })
    expect((await h.call('GET', '/api/tasks')).json).toEqual({
      current: null,
      pending: [],
      completed: ['a', 'b'],
    })
  })

  it('after the last task is finished nodes get null, and a new task starts at once', async () => {
    const h = await fresh()
    await register(h, task('a'))
    await h.call('POST', '/api/tasks/finish')
    expect((await h.call('GET', '/gridnode/task?platform=linux/amd64')).json).toBeNull()
    expect((await h.call('POST', '/gridnode/register', { body: node })).json.current_task).toBeNull()
    await register(h, task('c'))
    expect((await h.call('GET', '/api/tasks')).json).toEqual({ current: 'c', pending: [], completed: ['a'] })
    expect((await h.call('GET', '/gridnode/task')).json.task_name).toBe('c')
  })

  it('next (legacy): switches with {previous,current}; 400 at the end, where upstream still completes the task', async () => {
    const h = await fresh()
    const empty = await h.call('POST', '/api/tasks/next')
    expect(empty.status).toBe(400)
    expect(empty.text).toBe('No more tasks available')
    await register(h, task('a'))
    await register(h, task('b'))
    const r = await h.call('POST', '/api/tasks/next')
    expect(r.json).toEqual({ previous: 'a', current: 'b' })
    const end = await h.call('POST', '/api/tasks/next')
    expect(end.status).toBe(400)
    expect(end.text).toBe('No more tasks available')
    expect((await h.call('GET', '/api/tasks')).json).toEqual({
      current: null,
      pending: [],
      completed: ['a', 'b'],
    })
  })
})

describe('nodes', () => {
  it('register gives a UUID, keeps a given node_id, and returns the platform’s task config', async () => {
    const h = await fresh()
    await register(h, {
      name: 'multi',
      image: 'app:default',
      images: { 'linux/arm64': 'app:arm64', 'linux/arm/v7': 'app:armv7' },
      input_redis: 'redis://:pw@h:6379',
      input_queue: 'in',
      output_queue: 'out',
    })
    const fresh1 = await h.call('POST', '/gridnode/register', { body: node })
    expect(fresh1.status).toBe(200)
    expect(fresh1.json.node_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(fresh1.json.current_task).toEqual({
      task_name: 'multi',
      image: 'app:default',
      redis_url: null,
      input_redis: 'redis://:pw@h:6379',
      output_redis: null,
      input_queue: 'in',
      output_queue: 'out',
    })
    const arm = await h.call('POST', '/gridnode/register', {
      body: { ...node, node_id: 'n-arm', architecture: 'aarch64' },
    })
    expect(arm.json.node_id).toBe('n-arm')
    expect(arm.json.current_task.image).toBe('app:arm64')
    const armv7 = await h.call('POST', '/gridnode/register', { body: { ...node, architecture: 'arm' } })
    expect(armv7.json.current_task.image).toBe('app:armv7')
    expect((await h.call('GET', '/gridnode/task?platform=linux/arm64')).json.image).toBe('app:arm64')
    expect((await h.call('GET', '/gridnode/task?platform=linux/s390x')).json.image).toBe('app:default')
    expect((await h.call('GET', '/gridnode/task')).json.image).toBe('app:default')
    const bad = await h.call('POST', '/gridnode/register', {
      body: { hostname: 'x', architecture: 'x86_64', cpu_count: -1 },
    })
    expect(bad.status).toBe(422)
  })

  it('a task with only images for other platforms gives this platform null', async () => {
    const h = await fresh()
    await register(h, { name: 'arm-only', images: { 'linux/arm64': 'a:arm' } })
    expect((await h.call('GET', '/gridnode/task?platform=linux/amd64')).json).toBeNull()
    expect((await h.call('GET', '/gridnode/task?platform=linux/arm64')).json.image).toBe('a:arm')
  })

  it('lists nodes with upstream fields, records heartbeats, and relays stop requests', async () => {
    const h = await fresh()
    const { node_id } = (await h.call('POST', '/gridnode/register', { body: node })).json
    let [listed] = (await h.call('GET', '/api/nodes')).json
    expect(listed).toEqual({
      id: node_id,
      hostname: 'worker-1',
      architecture: 'x86_64',
      cpu_count: 4,
      last_seen: expect.any(String),
      status: 'Online',
      runtime_status: null,
      active_containers: 0,
    })
    expect(Number.isNaN(Date.parse(listed.last_seen))).toBe(false)
    const hb = await h.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Running', active_containers: 3 },
    })
    expect(hb.json).toEqual({ stop_requested: false })
    ;[listed] = (await h.call('GET', '/api/nodes')).json
    expect(listed.runtime_status).toBe('Running')
    expect(listed.active_containers).toBe(3)
    const badStatus = await h.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Busy', active_containers: 0 },
    })
    expect(badStatus.status).toBe(422)
    const stop = await h.call('POST', `/api/nodes/${node_id}/stop`)
    expect(stop.status).toBe(200)
    expect(stop.text).toBe('')
    const after = await h.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Idle', active_containers: 0 },
    })
    expect(after.json).toEqual({ stop_requested: true })
    const missing = await h.call('POST', '/api/nodes/nope/stop')
    expect(missing.status).toBe(404)
    expect(missing.text).toBe('Node nope not found')
  })

  it('tells an unknown node to register again (additive field)', async () => {
    const h = await fresh()
    const r = await h.call('POST', '/gridnode/heartbeat', {
      body: { node_id: 'ghost', status: 'Idle', active_containers: 0 },
    })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ stop_requested: false, reregister: true })
  })

  it('sweeps nodes whose heartbeats stopped, and keeps the ones that beat', async () => {
    const h = await fresh({ nodeTimeoutMs: 400, sweepIntervalMs: 100 })
    const quiet = (await h.call('POST', '/gridnode/register', { body: node })).json.node_id
    const alive = (await h.call('POST', '/gridnode/register', { body: { ...node, hostname: 'w2' } })).json
      .node_id
    const deadline = Date.now() + 1_200
    while (Date.now() < deadline) {
      await h.call('POST', '/gridnode/heartbeat', {
        body: { node_id: alive, status: 'Idle', active_containers: 0 },
      })
      await new Promise((r) => setTimeout(r, 100))
    }
    const ids = (await h.call('GET', '/api/nodes')).json.map((x: { id: string }) => x.id)
    expect(ids).toEqual([alive])
    const hb = await h.call('POST', '/gridnode/heartbeat', {
      body: { node_id: quiet, status: 'Idle', active_containers: 0 },
    })
    expect(hb.json.reregister).toBe(true)
  })
})

describe('persistence', () => {
  it('keeps the task list, order, statuses and current task across a restart', async () => {
    const stateFile = `${dir}/restart.json`
    let h = await startTestHub({ dir, stateFile })
    const port = h.port
    for (const name of ['a', 'b', 'c', 'd']) await register(h, task(name, { input_queue: `${name}:in` }))
    await h.call('POST', '/api/tasks/finish')
    const before = (await h.call('GET', '/api/tasks')).json
    await h.stop()
    h = await startTestHub({ dir, stateFile, port })
    hub = h
    expect((await h.call('GET', '/api/tasks')).json).toEqual(before)
    expect(before).toEqual({ current: 'b', pending: ['c', 'd'], completed: ['a'] })
    expect((await h.call('GET', '/gridnode/task')).json).toMatchObject({
      task_name: 'b',
      input_queue: 'b:in',
    })
    expect((await h.call('POST', '/api/tasks/finish')).json.started).toBe('c')
  })
})

describe('routing', () => {
  it('answers 404 for unknown paths and 405 for a wrong method', async () => {
    const h = await fresh()
    expect((await h.call('GET', '/nope')).status).toBe(404)
    expect((await h.call('DELETE', '/api/tasks')).status).toBe(405)
  })
})
