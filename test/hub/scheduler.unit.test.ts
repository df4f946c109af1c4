// The scheduling rules through the app's request function (no socket): priorities, worker groups, dependencies,
// preemption, cancel and priority changes, finish by group or name, the list and details routes, the long poll.
import { describe, expect, it } from 'vitest'
import { taskFingerprint } from '../../src/hub/protocol.js'
import { type AppFixture, appFixture, TOKEN } from './fixture.js'

const task = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `img:${name}`, ...extra })
const reg = (f: AppFixture, name: string, extra: Record<string, unknown> = {}) =>
  f.call('POST', '/api/tasks', { body: task(name, extra) })
const node = (f: AppFixture, extra: Record<string, unknown> = {}) =>
  f.call('POST', '/gridnode/register', {
    body: { hostname: 'h', architecture: 'x86_64', cpu_count: 2, capabilities: ['image'], ...extra },
  }).json.node_id as string
const poll = (f: AppFixture, id?: string, extra = '') =>
  f.call('GET', `/gridnode/task?platform=linux/amd64${id ? `&node_id=${id}` : ''}${extra}`).json?.task_name ??
  null
const list = (f: AppFixture) => f.call('GET', '/api/tasks').json
const finish = (f: AppFixture, body?: unknown) => f.call('POST', '/api/tasks/finish', body ? { body } : {})
const details = (f: AppFixture, name: string) => f.call('GET', `/api/tasks/${name}`).json

describe('priorities', () => {
  it('starts the most urgent pending task next, FIFO within a level; names and numbers both work', () => {
    const f = appFixture()
    reg(f, 'first')
    reg(f, 'low', { priority: 3 })
    reg(f, 'normal-a')
    reg(f, 'high-a', { priority: 'HIGH' })
    reg(f, 'normal-b', { priority: 'normal' })
    reg(f, 'high-b', { priority: 1 })
    expect(list(f)).toEqual({
      current: 'first',
      pending: ['high-a', 'high-b', 'normal-a', 'normal-b', 'low'],
      completed: [],
    })
    const order: string[] = []
    for (let i = 0; i < 6; i++) order.push(finish(f).json.completed)
    expect(order).toEqual(['first', 'high-a', 'high-b', 'normal-a', 'normal-b', 'low'])
  })

  it('refuses a level that is not one with 422 naming the levels', () => {
    const f = appFixture()
    for (const p of [5, -1, 1.5, 'urgent', true]) {
      const r = reg(f, 'x', { priority: p })
      expect(r.status, String(p)).toBe(422)
      expect(r.text).toMatch(/priority: expected 0-4 or one of CRITICAL, HIGH, NORMAL, LOW, IDLE/)
    }
    expect(list(f).current).toBeNull()
  })

  it('moves a pending task to another level (POST /api/tasks/priority); 404 unknown, 409 running or completed', () => {
    const f = appFixture()
    reg(f, 'a')
    reg(f, 'b')
    reg(f, 'c')
    const r = f.call('POST', '/api/tasks/priority', { body: { name: 'c', priority: 'CRITICAL' } })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ name: 'c', priority: 0, priority_name: 'CRITICAL', position: 1 })
    expect(list(f).pending).toEqual(['c', 'b'])
    expect(list(f).current).toBe('a') // a change never preempts
    expect(f.call('POST', '/api/tasks/priority', { body: { name: 'zz', priority: 1 } })).toMatchObject({
      status: 404,
      text: "Task 'zz' not found",
    })
    const running = f.call('POST', '/api/tasks/priority', { body: { name: 'a', priority: 1 } })
    expect(running.status).toBe(409)
    expect(running.text).toMatch(/it is running: finish it instead/)
    finish(f)
    expect(f.call('POST', '/api/tasks/priority', { body: { name: 'a', priority: 1 } }).text).toMatch(
      /it is completed/,
    )
    expect(f.call('POST', '/api/tasks/priority', { body: { name: 'b', priority: 9 } }).status).toBe(422)
  })
})

describe('cancel', () => {
  it('cancels a pending task (it never starts); 404 unknown, 409 running, 409 completed', () => {
    const f = appFixture()
    reg(f, 'a')
    reg(f, 'b')
    reg(f, 'c')
    expect(f.call('POST', '/api/tasks/cancel', { body: { name: 'b' } })).toMatchObject({
      status: 200,
      json: { cancelled: 'b', blocked: [] },
    })
    expect(list(f)).toEqual({ current: 'a', pending: ['c'], completed: [] })
    expect(f.call('POST', '/api/tasks/cancel', { body: { name: 'nope' } })).toMatchObject({ status: 404 })
    const running = f.call('POST', '/api/tasks/cancel', { body: { name: 'a' } })
    expect(running.status).toBe(409)
    expect(running.text).toBe(
      "Task 'a' cannot be cancelled: it is running: finish it instead (gridcore task finish a)",
    )
    expect(finish(f).json).toMatchObject({ completed: 'a', started: 'c' })
    expect(f.call('POST', '/api/tasks/cancel', { body: { name: 'a' } }).text).toMatch(/it is completed/)
    expect(f.call('POST', '/api/tasks/cancel', { body: {} }).status).toBe(422)
    expect(details(f, 'b')).toMatchObject({ status: 'Cancelled', ended_by: 'cancel' })
  })
})

describe('worker groups', () => {
  it('runs one current task per group; a node gets its group’s task only (exact match)', () => {
    const f = appFixture()
    const gpu = node(f, { group: 'gpu', group_explicit: true })
    const cpu = node(f, { group: 'cpu', group_explicit: true })
    const plain = node(f)
    reg(f, 'd1')
    reg(f, 'g1', { group: 'gpu' })
    reg(f, 'g2', { group: 'gpu' })
    expect(poll(f, gpu)).toBe('g1')
    expect(poll(f, cpu)).toBeNull()
    expect(poll(f, plain)).toBe('d1')
    expect(poll(f)).toBe('d1') // an upstream poll: no node_id, no group
    expect(poll(f, undefined, '&group=gpu')).toBe('g1')
    // Finishing the default group's task (upstream's finish, no body) leaves gpu running g1.
    expect(finish(f).json).toEqual({
      completed: 'd1',
      started: null,
      message: "Task 'd1' completed, no more tasks",
    })
    expect(poll(f, gpu)).toBe('g1')
    expect(poll(f, plain)).toBeNull()
    // A gpu node never receives a default task, even when its group has none.
    reg(f, 'd2')
    expect(finish(f, { group: 'gpu' }).json).toMatchObject({ completed: 'g1', started: 'g2' })
    expect(finish(f, { name: 'g2' }).json).toMatchObject({ completed: 'g2', started: null })
    expect(poll(f, gpu)).toBeNull()
    expect(poll(f, plain)).toBe('d2')
  })

  it('an auto-detected node runs its group’s task when there is one, else the default group’s', () => {
    const f = appFixture()
    const auto = node(f, { group: 'docker', group_explicit: false })
    const set = node(f, { group: 'docker', group_explicit: true })
    reg(f, 'd1')
    expect(poll(f, auto)).toBe('d1')
    expect(poll(f, set)).toBeNull()
    reg(f, 'k1', { group: 'docker' })
    expect(poll(f, auto)).toBe('k1')
    expect(poll(f, set)).toBe('k1')
    finish(f, { group: 'docker' })
    expect(poll(f, auto)).toBe('d1')
    // Not registered (the hub forgot it): the poll says how its group was chosen.
    expect(poll(f, 'gone', '&group=docker&group_explicit=false')).toBe('d1')
    expect(poll(f, 'gone', '&group=docker')).toBeNull()
  })

  it('GET /api/tasks keeps upstream’s shape until a task is outside default; ?group= lists one group', () => {
    const f = appFixture()
    reg(f, 'd1')
    reg(f, 'd2')
    expect(f.call('GET', '/api/tasks').text).toBe('{"current":"d1","pending":["d2"],"completed":[]}')
    reg(f, 'g1', { group: 'gpu' })
    expect(list(f)).toEqual({
      current: 'd1',
      pending: ['d2'],
      completed: [],
      groups: {
        default: { current: 'd1', pending: ['d2'], completed: [], cancelled: [] },
        gpu: { current: 'g1', pending: [], completed: [], cancelled: [] },
      },
    })
    expect(f.call('GET', '/api/tasks?group=gpu').json).toEqual({
      current: 'g1',
      pending: [],
      completed: [],
      cancelled: [],
    })
    expect(f.call('GET', '/api/tasks/current?group=gpu').json).toMatchObject({ name: 'g1', group: 'gpu' })
    expect(f.call('GET', '/api/tasks/current').json).toEqual({ name: 'd1', image: 'img:d1' })
  })

  it('GET /api/nodes?group= keeps one group (no group: default); without it upstream’s list', () => {
    const f = appFixture()
    const gpu = node(f, { group: 'gpu' })
    const plain = f.call('POST', '/gridnode/register', {
      body: { hostname: 'rust', architecture: 'x86_64', cpu_count: 1 },
    }).json.node_id
    expect(f.call('GET', '/api/nodes?group=gpu').json.map((n: { id: string }) => n.id)).toEqual([gpu])
    expect(f.call('GET', '/api/nodes?group=default').json.map((n: { id: string }) => n.id)).toEqual([plain])
    const all = f.call('GET', '/api/nodes').json
    expect(all).toHaveLength(2)
    expect(Object.keys(all.find((n: { id: string }) => n.id === plain)).sort()).toEqual([
      'active_containers',
      'architecture',
      'cpu_count',
      'hostname',
      'id',
      'last_seen',
      'runtime_status',
      'status',
    ])
    expect(all.find((n: { id: string }) => n.id === gpu)).toMatchObject({
      group: 'gpu',
      group_explicit: true,
    })
  })

  it('refuses a group name that is not one', () => {
    const f = appFixture()
    expect(reg(f, 'x', { group: 'a b' }).status).toBe(422)
    expect(reg(f, 'x', { group: '' }).text).toMatch(/is not a group name/)
  })
})

describe('dependencies', () => {
  it('refuses an unknown name with 422; starts a task only once every named task completed', () => {
    const f = appFixture()
    const r = reg(f, 'b', { after: ['a'] })
    expect(r).toMatchObject({ status: 422 })
    expect(r.text).toBe(
      "Task 'b' waits for 'a', which is not registered: register 'a' first (only earlier tasks can be named in after)",
    )
    reg(f, 'a', { group: 'prep' })
    reg(f, 'x')
    reg(f, 'b', { after: ['a', 'x'], priority: 0 })
    reg(f, 'c')
    expect(details(f, 'b')).toMatchObject({ status: 'Pending', waiting_for: ['a', 'x'], after: ['a', 'x'] })
    // b is CRITICAL but waits: c (NORMAL) starts before it, and b preempts nothing.
    expect(finish(f).json).toMatchObject({ completed: 'x', started: 'c' })
    expect(details(f, 'b').waiting_for).toEqual(['a'])
    // When a (another group) completes, b is ready; default runs c, so b waits for c to end, then starts.
    expect(finish(f, { group: 'prep' }).json).toMatchObject({ completed: 'a', started: null })
    expect(list(f).current).toBe('c')
    expect(finish(f).json).toMatchObject({ completed: 'c', started: 'b' })
  })

  it('a dependency completing starts the dependant at once when its group runs nothing', () => {
    const f = appFixture()
    reg(f, 'a', { group: 'g' })
    reg(f, 'b', { after: ['a'] })
    expect(list(f).current).toBeNull()
    finish(f, { group: 'g' })
    expect(list(f).current).toBe('b')
  })

  it('keeps dependants of a cancelled task blocked, says so, and refuses new ones', () => {
    const f = appFixture()
    reg(f, 'run')
    reg(f, 'a')
    reg(f, 'b', { after: ['a'] })
    expect(f.call('POST', '/api/tasks/cancel', { body: { name: 'a' } }).json).toEqual({
      cancelled: 'a',
      blocked: ['b'],
    })
    expect(details(f, 'b').waiting_for).toEqual(['a (cancelled)'])
    finish(f)
    expect(list(f)).toMatchObject({ current: null, pending: ['b'] })
    expect(reg(f, 'c', { after: ['a'] }).text).toBe(
      "Task 'c' waits for 'a', which was cancelled: drop it from after",
    )
  })
})

describe('preemption', () => {
  it('a task 3 levels above the running one takes its place; the preempted one resumes first in its level', () => {
    const f = appFixture()
    reg(f, 'low', { priority: 'LOW' })
    reg(f, 'low2', { priority: 'LOW' })
    reg(f, 'high', { priority: 'HIGH' }) // 2 levels above: waits
    expect(list(f).current).toBe('low')
    reg(f, 'crit', { priority: 'CRITICAL' }) // 3 levels above: preempts
    expect(list(f)).toMatchObject({ current: 'crit', pending: ['high', 'low', 'low2'] })
    expect(details(f, 'low')).toMatchObject({ status: 'Pending', preemptions: 1, position: 2 })
    expect(f.logs.some((l) => l.includes("task 'crit' preempted 'low'"))).toBe(true)
    const order = [1, 2, 3, 4].map(() => finish(f).json.completed)
    expect(order).toEqual(['crit', 'high', 'low', 'low2'])
  })

  it('preempts within the task’s own group only, and not while the new task waits for another', () => {
    const f = appFixture()
    reg(f, 'idle', { priority: 4 })
    reg(f, 'g-idle', { priority: 4, group: 'gpu' })
    reg(f, 'crit-gpu', { priority: 0, group: 'gpu' })
    expect(list(f).groups).toMatchObject({ default: { current: 'idle' }, gpu: { current: 'crit-gpu' } })
    reg(f, 'crit-waiting', { priority: 0, after: ['g-idle'] })
    expect(list(f).current).toBe('idle')
  })

  it('nodes see the preempting task at once (the long poll wakes)', async () => {
    const f = appFixture()
    reg(f, 'low', { priority: 4 })
    const known = taskFingerprint(f.state.taskConfigFor('linux/amd64'))
    const held = f.app.requestAsync(`/gridnode/task?platform=linux/amd64&wait=20&known=${known}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    await new Promise((r) => setTimeout(r, 20))
    reg(f, 'crit', { priority: 0 })
    const res = await held
    expect(JSON.parse(res.body).task_name).toBe('crit')
  })
})

describe('finish and next', () => {
  it('keeps upstream’s answers on the default group: 400 before anything ran, re-completes the last, next 400', () => {
    const f = appFixture()
    expect(finish(f)).toMatchObject({ status: 400, text: 'No current task running' })
    reg(f, 'a')
    reg(f, 'g', { group: 'gpu' })
    expect(finish(f).json).toEqual({
      completed: 'a',
      started: null,
      message: "Task 'a' completed, no more tasks",
    })
    expect(finish(f).json).toEqual({
      completed: 'a',
      started: null,
      message: "Task 'a' completed, no more tasks",
    })
    expect(f.call('POST', '/api/tasks/next')).toMatchObject({ status: 400, text: 'No more tasks available' })
    reg(f, 'b')
    reg(f, 'c')
    expect(f.call('POST', '/api/tasks/next').json).toEqual({ previous: 'b', current: 'c' })
    expect(list(f).groups.gpu.current).toBe('g')
  })

  it('finish {name}: 404 unknown, 409 not running; {group} of a group that never ran: 400; both: 422', () => {
    const f = appFixture()
    reg(f, 'a')
    reg(f, 'b')
    expect(finish(f, { name: 'zz' })).toMatchObject({ status: 404, text: "Task 'zz' not found" })
    expect(finish(f, { name: 'b' })).toMatchObject({
      status: 409,
      text: "Task 'b' is not running (it is Pending)",
    })
    expect(finish(f, { group: 'gpu' })).toMatchObject({ status: 400 })
    expect(finish(f, { group: 'gpu', name: 'a' }).status).toBe(422)
    expect(finish(f, { name: 'a' }).json).toMatchObject({ completed: 'a', started: 'b' })
  })

  it('finish without a JSON content type ignores any body, as upstream does', () => {
    const f = appFixture()
    reg(f, 'a')
    const r = f.call('POST', '/api/tasks/finish', { body: 'garbage', contentType: 'text/plain' })
    expect(r.json).toMatchObject({ completed: 'a' })
  })
})

describe('task details', () => {
  it('GET /api/tasks/{name}: spec, status, priority, group, after, auto_finish, times; 404 unknown', () => {
    const f = appFixture()
    reg(f, 'a', { group: 'g' })
    reg(f, 'b', { group: 'g', priority: 'LOW', after: ['a'], auto_finish: true, auto_finish_settle: 2.5 })
    f.advance(5_000)
    finish(f, { group: 'g' })
    const d = details(f, 'b')
    expect(d).toEqual({
      name: 'b',
      status: 'Running',
      priority: 3,
      priority_name: 'LOW',
      group: 'g',
      after: ['a'],
      waiting_for: [],
      auto_finish: true,
      position: null,
      registered_at: '2026-01-01T00:00:00.000Z',
      started_at: '2026-01-01T00:00:05.000Z',
      finished_at: null,
      ended_by: null,
      preemptions: 0,
      spec: task('b', { group: 'g', priority: 3, after: ['a'], auto_finish: true, auto_finish_settle: 2.5 }),
    })
    expect(f.call('GET', '/api/tasks/nope')).toMatchObject({ status: 404, text: "Task 'nope' not found" })
  })

  it('keeps everything across a snapshot and reload', () => {
    const f = appFixture()
    reg(f, 'low', { priority: 4 })
    reg(f, 'dep', { after: ['low'] })
    reg(f, 'crit', { priority: 0 })
    reg(f, 'g', { group: 'gpu' })
    f.call('POST', '/api/tasks/cancel', { body: { name: 'dep' } })
    const again = appFixture(JSON.parse(JSON.stringify(f.saved())))
    expect(again.call('GET', '/api/tasks').json).toEqual(list(f))
    expect(details(again, 'low')).toEqual(details(f, 'low'))
    expect([1, 2].map(() => finish(again).json.completed)).toEqual(['crit', 'low'])
  })
})
