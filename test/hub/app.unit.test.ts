// Every ComputeHub route through the app's request function (no socket): upstream codes, bodies and headers.
import { describe, expect, it } from 'vitest'
import { appFixture, TOKEN } from './fixture.js'

const task = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `img:${name}`, ...extra })
const node = { hostname: 'worker-1', architecture: 'x86_64', cpu_count: 4 }

const PROTECTED: [string, string, unknown?][] = [
  ['POST', '/api/tasks', task('x')],
  ['GET', '/api/tasks'],
  ['GET', '/api/tasks/current'],
  ['POST', '/api/tasks/next'],
  ['POST', '/api/tasks/finish'],
  ['GET', '/api/nodes'],
  ['POST', '/api/nodes/abc/stop'],
  ['POST', '/gridnode/register', node],
  ['POST', '/gridnode/heartbeat', { node_id: 'a', status: 'Idle', active_containers: 0 }],
  ['GET', '/gridnode/task?platform=linux/amd64'],
]
const GET_ROUTES = ['/health', '/api/tasks', '/api/tasks/current', '/api/nodes', '/gridnode/task']

describe('GET /health', () => {
  it('answers 200 OK as text without auth', () => {
    const r = appFixture().call('GET', '/health', { auth: false })
    expect(r).toMatchObject({ status: 200, text: 'OK' })
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8')
  })
})

describe('auth', () => {
  it.each(PROTECTED)(
    '%s %s is 401 with an empty body for missing, wrong and other-length tokens',
    (m, path, body) => {
      const f = appFixture()
      for (const auth of [
        false,
        'Bearer wrong-token-0123456789',
        'Bearer x',
        `Basic ${TOKEN}`,
        `Bearer ${TOKEN}x`,
      ]) {
        const r = f.call(m, path, { body, auth: auth as string | false })
        expect(r.status, String(auth)).toBe(401)
        expect(r.text).toBe('')
      }
      expect(f.call('GET', '/api/tasks').json).toEqual({ current: null, pending: [], completed: [] })
    },
  )

  it('checks the token before the body: a bad body without the token is 401, not 400/415/422', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tasks', { body: '{"name":', auth: false }).status).toBe(401)
    expect(f.call('POST', '/api/tasks', { body: 'x', contentType: 'text/plain', auth: false }).status).toBe(
      401,
    )
    const d = f.app.decide({ method: 'POST', target: '/api/tasks', header: () => undefined })
    expect(d).toMatchObject({ kind: 'respond', authorized: false, response: { status: 401 } })
    const ok = f.app.decide({
      method: 'POST',
      target: '/api/tasks',
      header: (n) => ({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' })[n],
    })
    expect(ok).toMatchObject({ kind: 'read-body', limit: 2 * 1024 * 1024 })
  })

  it('never writes the token into its logs', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: task('a') })
    f.call('GET', '/api/tasks', { auth: 'Bearer nope' })
    f.call('POST', '/gridnode/register', { body: node })
    expect(f.logs.length).toBeGreaterThan(0)
    expect(f.logs.join('\n')).not.toContain(TOKEN)
  })
})

describe('tasks', () => {
  it('registers with 201 and an empty body; the first starts, the rest wait; names may repeat', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tasks', { body: task('a') })).toMatchObject({ status: 201, text: '' })
    f.call('POST', '/api/tasks', { body: task('b') })
    f.call('POST', '/api/tasks', { body: task('a') })
    expect(f.call('GET', '/api/tasks').json).toEqual({ current: 'a', pending: ['b', 'a'], completed: [] })
    expect(f.saved()?.tasks.map((t) => t.spec.name)).toEqual(['a', 'b', 'a'])
  })

  it('rejects bodies like axum: 422 without name, 415 without JSON content type, 400 for broken JSON', () => {
    const f = appFixture()
    const noName = f.call('POST', '/api/tasks', { body: { image: 'x' } })
    expect(noName.status).toBe(422)
    expect(noName.text).toContain('missing field `name`')
    expect(f.call('POST', '/api/tasks', { body: { name: 5 } }).status).toBe(422)
    expect(f.call('POST', '/api/tasks', { body: { name: null } }).status).toBe(422)
    const noType = f.call('POST', '/api/tasks', { body: task('a'), contentType: null })
    expect(noType).toMatchObject({
      status: 415,
      text: 'Expected request with `Content-Type: application/json`',
    })
    expect(
      f.call('POST', '/api/tasks', { body: task('a'), contentType: 'application/vnd.x+json' }).status,
    ).toBe(201)
    const broken = f.call('POST', '/api/tasks', { body: '{"name":' })
    expect(broken.status).toBe(400)
    expect(broken.text).toMatch(
      /^Failed to parse the request body as JSON: EOF while parsing a value at line 1/,
    )
    expect(f.call('POST', '/api/tasks', { body: '[1]' }).status).toBe(422)
    expect(f.call('POST', '/api/tasks', { body: `{"name":"x"} trailing` }).status).toBe(400)
    expect(f.call('POST', '/api/tasks', { body: '\ufeff{"name":"x"}' }).status).toBe(400)
  })

  it('refuses a body over 2 MB with 413', () => {
    const f = appFixture()
    const big = JSON.stringify({ name: 'big', image: 'x'.repeat(2 * 1024 * 1024) })
    const r = f.call('POST', '/api/tasks', { body: big })
    expect(r).toMatchObject({ status: 413, text: 'Failed to buffer the request body: length limit exceeded' })
    expect(f.call('GET', '/api/tasks').json.current).toBeNull()
  })

  it('finish: 400 before any task, then completes and starts the next, then reports no more tasks', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tasks/finish')).toMatchObject({
      status: 400,
      text: 'No current task running',
    })
    f.call('POST', '/api/tasks', { body: task('a') })
    f.call('POST', '/api/tasks', { body: task('b') })
    expect(f.call('POST', '/api/tasks/finish').json).toEqual({
      completed: 'a',
      started: 'b',
      message: "Task 'a' completed, 'b' started",
    })
    expect(f.call('POST', '/api/tasks/finish').json).toEqual({
      completed: 'b',
      started: null,
      message: "Task 'b' completed, no more tasks",
    })
    expect(f.call('GET', '/api/tasks').json).toEqual({ current: null, pending: [], completed: ['a', 'b'] })
  })

  it('after the last task is finished nodes get null, and a new task starts at once', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: task('a') })
    f.call('POST', '/api/tasks/finish')
    expect(f.call('GET', '/gridnode/task?platform=linux/amd64').json).toBeNull()
    expect(f.call('POST', '/gridnode/register', { body: node }).json.current_task).toBeNull()
    expect(f.call('GET', '/api/tasks/current').json).toBeNull()
    f.call('POST', '/api/tasks', { body: task('c') })
    expect(f.call('GET', '/api/tasks').json).toEqual({ current: 'c', pending: [], completed: ['a'] })
    expect(f.call('GET', '/gridnode/task').json.task_name).toBe('c')
  })

  it('next (legacy): switches with {previous,current}; 400 at the end, where upstream still completes the task', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tasks/next')).toMatchObject({ status: 400, text: 'No more tasks available' })
    f.call('POST', '/api/tasks', { body: task('a') })
    f.call('POST', '/api/tasks', { body: task('b') })
    expect(f.call('POST', '/api/tasks/next').json).toEqual({ previous: 'a', current: 'b' })
    expect(f.call('POST', '/api/tasks/next')).toMatchObject({ status: 400, text: 'No more tasks available' })
    expect(f.call('GET', '/api/tasks').json).toEqual({ current: null, pending: [], completed: ['a', 'b'] })
  })

  it('GET /api/tasks/current (additive) gives the running task as registered', () => {
    const f = appFixture()
    const spec = {
      name: 'cmd',
      command: ['python3', 'w.py'],
      input_queue: 'q:in',
      images: { 'linux/arm64': 'a' },
    }
    f.call('POST', '/api/tasks', { body: spec })
    expect(f.call('GET', '/api/tasks/current').json).toEqual(spec)
  })
})

describe('nodes', () => {
  it('gpus (additive): a task’s GPUs reach every node in its config, a node’s GPUs show on GET /api/nodes', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: { name: 'train', image: 'trainer:1', input_queue: 'q', gpus: 2 } })
    const reg = f.call('POST', '/gridnode/register', { body: { ...node, node_id: 'g1', gpus: 8 } })
    expect(reg.json.current_task).toMatchObject({ task_name: 'train', image: 'trainer:1', gpus: 2 })
    expect(f.call('GET', '/gridnode/task?platform=linux/amd64').json).toMatchObject({ gpus: 2 })
    const nodes = f.call('GET', '/api/nodes').json as { id: string; gpus?: number }[]
    expect(nodes.find((n) => n.id === 'g1')?.gpus).toBe(8)
    f.call('POST', '/gridnode/register', { body: { ...node, node_id: 'cpu' } })
    expect(
      (f.call('GET', '/api/nodes').json as { id: string }[]).find((n) => n.id === 'cpu'),
    ).not.toHaveProperty('gpus')
    f.call('POST', '/api/tasks/finish')
    f.call('POST', '/api/tasks', { body: { name: 'plain', image: 'x', input_queue: 'q' } })
    expect(f.call('GET', '/gridnode/task?platform=linux/amd64').json).not.toHaveProperty('gpus')
  })

  it('register gives a UUID, keeps a given node_id, and returns the platform’s task config', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', {
      body: {
        name: 'multi',
        image: 'app:default',
        images: { 'linux/arm64': 'app:arm64', 'linux/arm/v7': 'app:armv7' },
        input_redis: 'redis://:pw@h:6379',
        input_queue: 'in',
        output_queue: 'out',
      },
    })
    const first = f.call('POST', '/gridnode/register', { body: node })
    expect(first.status).toBe(200)
    expect(first.json.node_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(first.json.current_task).toEqual({
      task_name: 'multi',
      image: 'app:default',
      redis_url: null,
      input_redis: 'redis://:pw@h:6379',
      output_redis: null,
      input_queue: 'in',
      output_queue: 'out',
    })
    const arm = f.call('POST', '/gridnode/register', {
      body: { ...node, node_id: 'n-arm', architecture: 'aarch64' },
    })
    expect(arm.json.node_id).toBe('n-arm')
    expect(arm.json.current_task.image).toBe('app:arm64')
    expect(
      f.call('POST', '/gridnode/register', { body: { ...node, architecture: 'arm' } }).json.current_task
        .image,
    ).toBe('app:armv7')
    expect(f.call('GET', '/gridnode/task?platform=linux/arm64').json.image).toBe('app:arm64')
    expect(f.call('GET', '/gridnode/task?platform=linux/s390x').json.image).toBe('app:default')
    expect(f.call('GET', '/gridnode/task').json.image).toBe('app:default')
  })

  it('a task with only images for other platforms gives this platform null', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: { name: 'arm-only', images: { 'linux/arm64': 'a:arm' } } })
    expect(f.call('GET', '/gridnode/task?platform=linux/amd64').json).toBeNull()
    expect(f.call('GET', '/gridnode/task?platform=linux/arm64').json.image).toBe('a:arm')
  })

  it('lists nodes with upstream fields, records heartbeats, and relays stop requests', () => {
    const f = appFixture()
    const { node_id } = f.call('POST', '/gridnode/register', { body: node }).json
    expect(f.call('GET', '/api/nodes').json).toEqual([
      {
        id: node_id,
        hostname: 'worker-1',
        architecture: 'x86_64',
        cpu_count: 4,
        last_seen: '2026-01-01T00:00:00.000Z',
        status: 'Online',
        runtime_status: null,
        active_containers: 0,
      },
    ])
    f.advance(5_000)
    const hb = f.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Running', active_containers: 3 },
    })
    expect(hb.json).toEqual({ stop_requested: false })
    const [listed] = f.call('GET', '/api/nodes').json
    expect(listed).toMatchObject({
      runtime_status: 'Running',
      active_containers: 3,
      last_seen: '2026-01-01T00:00:05.000Z',
    })
    const badStatus = f.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Busy', active_containers: 0 },
    })
    expect(badStatus.status).toBe(422)
    expect(f.call('POST', `/api/nodes/${node_id}/stop`)).toMatchObject({ status: 200, text: '' })
    const after = f.call('POST', '/gridnode/heartbeat', {
      body: { node_id, status: 'Idle', active_containers: 0 },
    })
    expect(after.json).toEqual({ stop_requested: true })
    expect(f.call('POST', '/api/nodes/nope/stop')).toMatchObject({ status: 404, text: 'Node nope not found' })
  })

  it('tells an unknown node to register again (additive field)', () => {
    const f = appFixture()
    const r = f.call('POST', '/gridnode/heartbeat', {
      body: { node_id: 'ghost', status: 'Idle', active_containers: 0 },
    })
    expect(r).toMatchObject({ status: 200, json: { stop_requested: false, reregister: true } })
  })

  it('takes u32 fields only as integer literals, as serde does (2.0, 2e0, -1, 2^32, "2" are 422)', () => {
    const f = appFixture()
    for (const cpu of ['2.0', '2e0', '2E0', '2.5', '-1', '4294967296', '"2"', 'null', 'true', '[2]']) {
      const r = f.call('POST', '/gridnode/register', {
        body: `{"hostname":"h","architecture":"x86_64","cpu_count":${cpu}}`,
      })
      expect(r.status, cpu).toBe(422)
      expect(r.text).toMatch(/^Failed to deserialize the JSON body into the target type: cpu_count: invalid/)
    }
    expect(
      f.call('POST', '/gridnode/register', { body: '{"hostname":"h","architecture":"x86_64"}' }).text,
    ).toContain('missing field `cpu_count`')
    for (const cpu of ['0', '2', '4294967295', '-0']) {
      const r = f.call('POST', '/gridnode/register', {
        body: `{"hostname":"h","architecture":"x86_64","cpu_count":${cpu}}`,
      })
      expect(r.status, cpu).toBe(200)
    }
    const { node_id } = f.call('POST', '/gridnode/register', { body: node }).json
    for (const n of ['3.0', '1e1', '-2']) {
      const r = f.call('POST', '/gridnode/heartbeat', {
        body: `{"node_id":"${node_id}","status":"Idle","active_containers":${n}}`,
      })
      expect(r.status, n).toBe(422)
      expect(r.text).toContain('active_containers: invalid')
    }
    expect(f.call('GET', '/api/nodes').json.find((x: any) => x.id === node_id).active_containers).toBe(0)
  })
})

describe('the address a node registered from', () => {
  it('is the socket’s remote address, shown on GET /api/nodes for a gridcore node', () => {
    const f = appFixture()
    const d = f.app.decide({
      method: 'POST',
      target: '/gridnode/register',
      header: (n) =>
        ({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' })[n as 'authorization'],
      remote: '10.0.0.7',
    })
    if (d.kind !== 'read-body') throw new Error(`expected a body read, got ${d.kind}`)
    const { node_id } = JSON.parse(
      d.handle(Buffer.from(JSON.stringify({ ...node, capabilities: ['command'] }))).body,
    )
    const r = f.call('GET', '/api/nodes')
    expect(r.json).toEqual([expect.objectContaining({ id: node_id, address: '10.0.0.7' })])
    expect(f.logs.some((l) => l.includes('"address":"10.0.0.7"'))).toBe(true)
  })

  it('is absent for an in-process request (no socket)', () => {
    const f = appFixture()
    f.call('POST', '/gridnode/register', { body: node })
    expect(f.call('GET', '/api/nodes').json[0]).not.toHaveProperty('address')
  })
})

describe('routing', () => {
  it('answers 404 for unknown paths, with no auth needed, and does not normalise paths like a URL parser', () => {
    const f = appFixture()
    for (const path of [
      '/nope',
      '/api/tasks/',
      '/api//tasks',
      '/API/tasks',
      '/api/%74asks',
      '/api/tasks/../tasks',
      '//',
    ]) {
      expect(f.call('GET', path, { auth: false }).status, path).toBe(404)
    }
  })

  it('405 carries Allow in axum’s form (GET brings HEAD), decided before the token', () => {
    const f = appFixture()
    const cases: [string, string, string][] = [
      ['DELETE', '/api/tasks', 'POST,GET,HEAD'],
      ['PUT', '/api/tasks', 'POST,GET,HEAD'],
      ['GET', '/api/tasks/finish', 'POST'],
      ['GET', '/api/tasks/next', 'POST'],
      ['POST', '/api/tasks/current', 'GET,HEAD'],
      ['POST', '/api/nodes', 'GET,HEAD'],
      ['GET', '/api/nodes/x/stop', 'POST'],
      ['GET', '/gridnode/register', 'POST'],
      ['HEAD', '/gridnode/heartbeat', 'POST'],
      ['POST', '/gridnode/task', 'GET,HEAD'],
      ['POST', '/health', 'GET,HEAD'],
      ['OPTIONS', '/health', 'GET,HEAD'],
    ]
    for (const [method, path, allow] of cases) {
      for (const auth of [undefined, false] as const) {
        const r = f.call(method, path, { auth })
        expect(r.status, `${method} ${path}`).toBe(405)
        expect(r.headers.allow, `${method} ${path}`).toBe(allow)
        expect(r.text).toBe('')
      }
    }
  })

  it('HEAD on every GET route answers like GET (status, headers, content-length) with no body', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: task('a') })
    f.call('POST', '/gridnode/register', { body: node })
    for (const path of GET_ROUTES) {
      const get = f.call('GET', path)
      const head = f.call('HEAD', path)
      expect(head.status, path).toBe(200)
      expect(head.text).toBe('')
      const { 'content-length': length, ...rest } = head.headers
      expect(rest).toEqual(get.headers)
      expect(length).toBe(String(Buffer.byteLength(get.text)))
      if (path !== '/health') expect(f.call('HEAD', path, { auth: false }).status).toBe(401)
    }
  })

  it('takes absolute-form targets like hyper and refuses invalid ones with 400', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: task('a') })
    expect(f.call('GET', 'http://hub:8080/api/tasks').json.current).toBe('a')
    expect(f.call('GET', 'http://hub/gridnode/task?platform=linux/amd64').json.task_name).toBe('a')
    // No path is `/`: gridcore's status page (upstream answers 404 there).
    expect(f.call('GET', 'http://hub', { auth: false }).headers['content-type']).toContain('text/html')
    expect(f.call('GET', 'http://hub/nothing', { auth: false }).status).toBe(404)
    for (const target of [
      'http://[',
      'http://',
      '%',
      '%zz',
      'api/tasks',
      'http://a b/',
      '',
      ' /health',
      '/he alth',
    ]) {
      expect(f.call('GET', target, { auth: false }).status, target).toBe(400)
    }
  })
})
