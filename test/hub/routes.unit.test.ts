// Route behaviours through app.request: prototype-named keys, malformed paths, unique names, and the additive
// fields (capabilities, node_id on the poll, runtime_error) seen by upstream-shaped and gridcore-shaped clients.
import { describe, expect, it } from 'vitest'
import { appFixture } from './fixture.js'

const PROTO = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype']
const node = { hostname: 'h', architecture: 'x86_64', cpu_count: 2 }
const register = (f: ReturnType<typeof appFixture>, body: Record<string, unknown>) =>
  f.call('POST', '/gridnode/register', { body: { ...node, ...body } }).json

describe('names that are Object.prototype keys are plain data', () => {
  it('platforms: the default image, never {} or a config without image', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', {
      body: { name: 't', image: 'img:default', images: { 'linux/arm64': 'img:arm' } },
    })
    for (const p of PROTO) {
      const r = f.call('GET', `/gridnode/task?platform=${p}`)
      expect(r.json, p).toMatchObject({ task_name: 't', image: 'img:default' })
      expect(r.text).toContain('"image":"img:default"')
    }
    f.call('POST', '/api/tasks/finish')
    f.call('POST', '/api/tasks', { body: { name: 'arm-only', images: { 'linux/arm64': 'img:arm' } } })
    for (const p of PROTO) expect(f.call('GET', `/gridnode/task?platform=${p}`).json, p).toBeNull()
  })

  it('image map keys: each names its own image, and survive persistence', () => {
    const f = appFixture()
    const images = Object.fromEntries(PROTO.map((p) => [p, `img:${p}`]))
    const body = `{"name":"p","images":{${PROTO.map((p) => `"${p}":"img:${p}"`).join(',')}}}`
    expect(f.call('POST', '/api/tasks', { body }).status).toBe(201)
    for (const p of PROTO)
      expect(f.call('GET', `/gridnode/task?platform=${p}`).json.image, p).toBe(`img:${p}`)
    expect(f.call('GET', '/gridnode/task?platform=linux/amd64').json).toBeNull()
    expect(f.call('GET', '/api/tasks/current').json.images).toEqual(images)
    expect(Object.getPrototypeOf(f.saved()!.tasks[0]!.spec.images)).toBe(Object.prototype)
    const reloaded = appFixture(JSON.parse(JSON.stringify(f.saved())))
    expect(reloaded.call('GET', '/gridnode/task?platform=__proto__').json.image).toBe('img:__proto__')
    expect(reloaded.call('GET', '/gridnode/task?platform=constructor').json.image).toBe('img:constructor')
    const bad = f.call('POST', '/api/tasks', { body: '{"name":"q","images":{"__proto__":{"x":1}}}' })
    expect(bad.status).toBe(422)
    expect(bad.text).toContain('images.__proto__: invalid type: map, expected a string')
  })

  it('task names: registered, listed, claimed with unique, finished', () => {
    const f = appFixture()
    for (const p of PROTO)
      expect(f.call('POST', '/api/tasks', { body: { name: p, image: 'i', unique: true } }).status).toBe(201)
    expect(f.call('GET', '/api/tasks').json).toEqual({
      current: '__proto__',
      pending: PROTO.slice(1),
      completed: [],
    })
    for (const p of PROTO) {
      expect(f.call('POST', '/api/tasks', { body: { name: p, image: 'i', unique: true } }).status, p).toBe(
        409,
      )
    }
    expect(f.call('POST', '/api/tasks/finish').json.completed).toBe('__proto__')
  })

  it('node ids: register, heartbeat, list, stop; unknown ones are unknown', () => {
    const f = appFixture()
    for (const p of PROTO.slice(1)) {
      expect(f.call('POST', `/api/nodes/${p}/stop`).status, p).toBe(404)
      const hb = f.call('POST', '/gridnode/heartbeat', {
        body: { node_id: p, status: 'Idle', active_containers: 0 },
      })
      expect(hb.json, p).toEqual({ stop_requested: false, reregister: true })
    }
    for (const p of PROTO) expect(register(f, { node_id: p }).node_id).toBe(p)
    expect(f.call('GET', '/api/nodes').json.map((n: { id: string }) => n.id)).toEqual(PROTO)
    for (const p of PROTO) {
      expect(f.call('POST', `/api/nodes/${p}/stop`).status, p).toBe(200)
      const hb = f.call('POST', '/gridnode/heartbeat', {
        body: { node_id: p, status: 'Idle', active_containers: 0 },
      })
      expect(hb.json, p).toEqual({ stop_requested: true })
    }
  })

  it('node ids and capabilities on the poll', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: { name: 'cmd', command: ['true'] } })
    for (const p of PROTO) expect(f.call('GET', `/gridnode/task?node_id=${p}`).json, p).toBeNull()
    register(f, { node_id: 'constructor', capabilities: ['command', '__proto__', 'toString'] })
    expect(f.call('GET', '/gridnode/task?node_id=constructor').json.command).toEqual(['true'])
    expect(f.call('GET', '/api/nodes').json[0].capabilities).toEqual(['command', '__proto__', 'toString'])
  })

  it('runtime_error task names', () => {
    const f = appFixture()
    register(f, { node_id: 'n' })
    for (const p of PROTO) {
      const report = {
        task: p,
        message: 'boom',
        exit_code: 1,
        signal: null,
        failed_instances: 1,
        log_path: null,
        at: '2026-01-01T00:00:00Z',
      }
      f.call('POST', '/gridnode/heartbeat', {
        body: { node_id: 'n', status: 'Error', active_containers: 0, runtime_error: report },
      })
      expect(f.state.nodes.reportFor('n', p)?.task).toBe(p)
    }
    expect(f.state.nodes.reportFor('n', 'other')).toBeUndefined()
  })

  it('methods: only real methods of a route are served', () => {
    const f = appFixture()
    for (const m of PROTO) expect(f.call(m, '/api/tasks').status, m).toBe(405)
  })
})

/** A deterministic generator of messy path segments: escapes good and bad, bytes, UTF-8 fragments. */
function* messySegments(count: number): Generator<string> {
  let seed = 42
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const pieces = [
    '%',
    '%%',
    '%z',
    '%zz',
    '%0',
    '%00',
    '%2F',
    '%2f',
    '%E0%A4%A',
    '%C3',
    '%C3%28',
    '%FF',
    '%ED%A0%80',
    '%F0%9F%98%80',
    '%25',
    'a',
    'é',
    '~',
    '..',
    '.',
    '\u{1F600}',
    '%u0041',
    '__proto__',
    '%5F%5Fproto%5F%5F',
  ]
  for (let i = 0; i < count; i++) {
    let s = ''
    for (let k = 1 + rand(4); k > 0; k--) s += pieces[rand(pieces.length)]
    yield s
  }
}

describe('malformed percent-encoding never gives 500', () => {
  it('POST /api/nodes/%zz/stop is 404 naming the id; invalid UTF-8 is 400 as axum says it', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/nodes/%zz/stop')).toMatchObject({ status: 404, text: 'Node %zz not found' })
    expect(f.call('POST', '/api/nodes/%/stop')).toMatchObject({ status: 404, text: 'Node % not found' })
    expect(f.call('POST', '/api/nodes/%E0%A4%A/stop')).toMatchObject({
      status: 400,
      text: 'Invalid URL: Invalid UTF-8 in `node_id`',
    })
    expect(f.call('POST', '/api/nodes/%E0%A4%A/stop', { auth: false }).status).toBe(401)
    register(f, { node_id: 'a/b é' })
    expect(f.call('POST', '/api/nodes/a%2Fb%20%C3%A9/stop').status).toBe(200)
  })

  it('fuzz: every route, every method, messy segments in paths and queries', () => {
    const f = appFixture()
    f.call('POST', '/api/tasks', { body: { name: 't', image: 'i' } })
    const paths = (s: string) => [
      `/${s}`,
      `/api/${s}`,
      `/api/tasks/${s}`,
      `/api/nodes/${s}/stop`,
      `/api/nodes/${s}`,
      `/gridnode/${s}`,
      `/gridnode/task?platform=${s}&node_id=${s}`,
      `/api/tasks?${s}=${s}`,
      `/health?${s}`,
      `/${s}/${s}?${s}#${s}`,
    ]
    const seen = new Set<number>()
    for (const seg of messySegments(300)) {
      for (const path of paths(seg)) {
        for (const method of ['GET', 'POST', 'HEAD', 'DELETE']) {
          for (const auth of [undefined, false] as const) {
            const r = f.call(method, path, { auth, body: method === 'POST' ? {} : undefined })
            seen.add(r.status)
            expect(r.status, `${method} ${path}`).toBeLessThan(500)
          }
        }
      }
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404, 405, 422]))
    expect(f.logs.join('\n')).not.toContain('request failed')
  })
})

describe('unique task names (additive)', () => {
  it('refuses a pending or running name with 409 and its text; completed names and non-unique requests pass', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tasks', { body: { name: 'a', image: 'i', unique: true } }).status).toBe(201)
    expect(f.call('POST', '/api/tasks', { body: { name: 'b', image: 'i', unique: true } }).status).toBe(201)
    for (const name of ['a', 'b']) {
      const r = f.call('POST', '/api/tasks', { body: { name, image: 'other', unique: true } })
      expect(r).toMatchObject({ status: 409, text: `Task '${name}' is already pending or running` })
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8')
    }
    expect(f.call('GET', '/api/tasks').json).toEqual({ current: 'a', pending: ['b'], completed: [] })
    expect(f.call('POST', '/api/tasks', { body: { name: 'a', image: 'i' } }).status).toBe(201)
    expect(f.call('POST', '/api/tasks', { body: { name: 'a', image: 'i', unique: false } }).status).toBe(201)
    for (let i = 0; i < 4; i++) f.call('POST', '/api/tasks/next')
    expect(f.call('GET', '/api/tasks').json).toEqual({
      current: null,
      pending: [],
      completed: ['a', 'b', 'a', 'a'],
    })
    expect(f.call('POST', '/api/tasks', { body: { name: 'a', image: 'i', unique: true } }).status).toBe(201)
    expect(f.saved()!.tasks.every((t) => !('unique' in t.spec))).toBe(true)
  })

  it('a unique request needs a non-empty name and a boolean flag; upstream-style empty names still pass', () => {
    const f = appFixture()
    for (const name of ['', '   ']) {
      const r = f.call('POST', '/api/tasks', { body: { name, image: 'i', unique: true } })
      expect(r.status).toBe(422)
      expect(r.text).toContain('name: must not be empty when `unique` is true')
    }
    expect(f.call('POST', '/api/tasks', { body: { name: 'x', image: 'i', unique: 'yes' } }).status).toBe(422)
    expect(f.call('POST', '/api/tasks', { body: { name: '', image: 'i' } }).status).toBe(201)
  })
})
