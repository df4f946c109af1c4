// Watching a live cluster: a `gridcore hub start` process, redis-server and embedded nodes running the reliable
// consumer. /metrics parsed as Prometheus text and checked against the hub's answers and Redis; items done rising
// during a run; Redis read at most once per --stats-interval however often it is asked; request labels by route
// pattern only; a task whose Redis is down; the contribution ledger through the API and `gridcore node list`.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { freePort } from '../helpers/ports.js'
import { CONSUMER } from '../helpers/procs.js'
import { type Family, parsePrometheus, samples, sampleValue } from '../helpers/prom.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from './process.js'

const dir = tempDir()
let redis: TestRedis
let r: Redis
let hub: HubProcess
let read: string
const nodes: NodeProc[] = []
const ITEMS = 6000

beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  hub = await startHubProcess(dir, 'observe', ['--stats-interval', '1s'])
  const t = await hub.call('POST', '/api/tokens', { role: 'read', name: 'prometheus' })
  read = JSON.parse(t.text).token
})
afterAll(async () => {
  await stopNodes(nodes)
  await hub?.stop()
  await redis?.stop()
})

const api = async (path: string, auth = `Bearer ${read}`) => {
  const res = await hub.call('GET', path, undefined, auth)
  expect(res.status, `${path}: ${res.text}`).toBe(200)
  return JSON.parse(res.text)
}
async function scrape(): Promise<Map<string, Family>> {
  const res = await hub.call('GET', '/metrics', undefined, `Bearer ${read}`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
  return parsePrometheus(res.text)
}
const hgetallCalls = async () =>
  Number(/cmdstat_hgetall:calls=(\d+)/.exec(await r.info('commandstats'))?.[1] ?? 0)

describe('a live cluster seen through /metrics, /api/overview and node list', () => {
  let q: { input_queue: string; output_queue: string }
  let ids: string[]

  it('counts what the hub holds and what the queues hold, items done rising while the nodes work', async () => {
    for (let i = 0; i < 2; i++)
      nodes.push(
        startNodeProc(
          dir,
          { url: hub.url, token: TOKEN },
          { env: { SLOW_MS: '4', BATCH: '20' }, toml: { parallelism: 2 }, args: ['--group', 'cpu'] },
        ),
      )
    ids = await Promise.all(nodes.map((n) => n.id()))
    const p = `o${randomBytes(4).toString('hex')}`
    q = { input_queue: `${p}:in`, output_queue: `${p}:out` }
    const reg = (body: Record<string, unknown>) => hub.call('POST', '/api/tasks', body)
    expect(
      (
        await reg({
          name: 'squares',
          group: 'cpu',
          command: ['node', CONSUMER],
          input_redis: redis.url,
          ...q,
        })
      ).status,
    ).toBe(201)
    expect((await reg({ name: 'later', group: 'cpu', command: ['node', CONSUMER] })).status).toBe(201)
    expect((await reg({ name: 'idle-default', image: 'img:1' })).status).toBe(201)
    for (let i = 0; i < ITEMS; i += 1000)
      await r.lpush(q.input_queue, ...Array.from({ length: 1000 }, (_, j) => String(i + j)))
    await r.hincrby(`${q.input_queue}:stats`, 'pushed', ITEMS)
    await waitFor('results', async () => (await r.llen(q.output_queue)) > 0, 30_000)

    const m1 = await scrape()
    const done1 = sampleValue(m1, 'gridcore_task_items_total', { task: 'squares', state: 'done' })
    await new Promise((res) => setTimeout(res, 1_300))
    const m2 = await scrape()
    const done2 = sampleValue(m2, 'gridcore_task_items_total', { task: 'squares', state: 'done' })
    expect(done2).toBeGreaterThan(done1)
    expect(sampleValue(m2, 'gridcore_hub_heartbeats_total')).toBeGreaterThan(
      sampleValue(m1, 'gridcore_hub_heartbeats_total'),
    )

    // The hub's own counts against its API.
    const tasks = await api('/api/tasks')
    expect(tasks.groups.cpu).toMatchObject({ current: 'squares', pending: ['later'] })
    expect(sampleValue(m2, 'gridcore_hub_tasks', { group: 'cpu', state: 'running' })).toBe(1)
    expect(sampleValue(m2, 'gridcore_hub_tasks', { group: 'cpu', state: 'pending' })).toBe(1)
    expect(sampleValue(m2, 'gridcore_hub_tasks', { group: 'default', state: 'running' })).toBe(1)
    expect(sampleValue(m2, 'gridcore_hub_tasks', { group: 'default', state: 'completed' })).toBe(0)
    const listed = await api('/api/nodes')
    expect(listed).toHaveLength(2)
    expect(
      sampleValue(m2, 'gridcore_hub_nodes', { status: 'Online', runtime_status: 'Running', group: 'cpu' }),
    ).toBe(listed.filter((n: { runtime_status: string }) => n.runtime_status === 'Running').length)
    expect(sampleValue(m2, 'gridcore_hub_registrations_total')).toBe(2)
    expect(sampleValue(m2, 'gridcore_hub_node_instances', { group: 'cpu' })).toBe(4)
    expect(sampleValue(m2, 'gridcore_task_items_total', { task: 'squares', state: 'pushed' })).toBe(ITEMS)
    expect(sampleValue(m2, 'gridcore_task_items_expected', { task: 'squares', group: 'cpu' })).toBe(ITEMS)
    expect(sampleValue(m2, 'gridcore_task_queue_up', { task: 'squares' })).toBe(1)
    // The default group's image task names no queue: it cannot be read, and says so.
    expect(sampleValue(m2, 'gridcore_task_queue_up', { task: 'idle-default' })).toBe(0)
    const inWork =
      sampleValue(m2, 'gridcore_task_queue_length', { task: 'squares', queue: 'input' }) +
      sampleValue(m2, 'gridcore_task_queue_length', { task: 'squares', queue: 'processing' })
    expect(inWork + done2).toBeLessThanOrEqual(ITEMS)
    expect(inWork + done2).toBeGreaterThan(ITEMS - 200) // a batch may be between lists while read

    // Once drained, the numbers are exact: Redis's lists and counters, and every node credited with its share.
    await waitFor('the queue to drain', async () => (await r.llen(q.output_queue)) === ITEMS, 60_000)
    await new Promise((res) => setTimeout(res, 1_100)) // past the reader's interval
    const m3 = await scrape()
    expect(sampleValue(m3, 'gridcore_task_items_total', { task: 'squares', state: 'done' })).toBe(ITEMS)
    expect(sampleValue(m3, 'gridcore_task_queue_length', { task: 'squares', queue: 'input' })).toBe(0)
    expect(sampleValue(m3, 'gridcore_task_queue_length', { task: 'squares', queue: 'output' })).toBe(
      await r.llen(q.output_queue),
    )
    const ledger = await r.hgetall(`${q.input_queue}:ledger`)
    const credited = ids.map((id) => Number(ledger[`${id}:done`] ?? 0))
    expect(credited.reduce((a, b) => a + b, 0)).toBe(ITEMS)
    for (const [i, id] of ids.entries()) {
      expect(credited[i]).toBeGreaterThan(0)
      expect(
        sampleValue(m3, 'gridcore_node_items_total', { task: 'squares', node: id, result: 'done' }),
      ).toBe(credited[i])
    }
    const overview = await api('/api/overview')
    for (const [i, id] of ids.entries())
      expect(overview.nodes.find((n: { id: string }) => n.id === id).ledger).toEqual({
        task: 'squares',
        done: credited[i],
        failed: 0,
      })
    const cpu = overview.groups.find((g: { group: string }) => g.group === 'cpu')
    expect(cpu.progress).toMatchObject({ task: 'squares', done: ITEMS, total: ITEMS, eta_s: 0, error: null })
  })

  it('reads Redis at most once per interval however many scrapes and page refreshes come', async () => {
    await new Promise((res) => setTimeout(res, 1_100)) // the last reading is now older than the interval
    const before = await hgetallCalls()
    const t0 = Date.now()
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 ? scrape() : api(i % 4 ? '/api/overview' : '/api/ledger?task=squares'),
      ),
    )
    const elapsed = Date.now() - t0
    const reads = (await hgetallCalls()) - before
    // One read of a task is two HGETALLs (its counters and its ledger); the only task with a queue to read is
    // squares, read at most once per interval (1 s) whoever asks.
    const intervals = Math.ceil(elapsed / 1000) + 1
    expect(reads).toBeGreaterThanOrEqual(2)
    expect(reads).toBeLessThanOrEqual(2 * intervals)
  })

  it('gridcore node list credits each node with its share, for the current task and with --task', async () => {
    const env = {
      GRIDCORE_HOME: dir,
      GRIDCORE_HUB_URL: hub.url,
      GRIDCORE_TOKEN: read,
      GRIDCORE_CLUSTER: undefined,
    }
    const now = await runCli(['node', 'list', '--json'], { env })
    expect(now.code, now.stderr).toBe(0)
    const ledger = await r.hgetall(`${q.input_queue}:ledger`)
    for (const id of ids) {
      const row = now.json.nodes.find((n: { id: string }) => n.id === id)
      expect(row.ledger).toEqual({ task: 'squares', done: Number(ledger[`${id}:done`]), failed: 0 })
    }
    const human = await runCli(['node', 'list'], { env: { ...env, NO_COLOR: '1' } })
    expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+HOST\s+GROUP.*TASK\s+DONE\s+ERRORS$/)
    for (const id of ids) expect(human.stdout).toMatch(new RegExp(`${id} .* squares\\s+[\\d,]+\\s+0`))
    // Finished, the task is still credited by name; a node that left is listed apart.
    await r.hincrby(`${q.input_queue}:ledger`, 'departed-node:done', 0)
    expect((await hub.call('POST', '/api/tasks/finish', { group: 'cpu' })).status).toBe(200)
    // The ledger is read at most once per interval (1 s): the new entry shows once the read before it is stale.
    const byName = await waitFor(
      'the departed node in the ledger',
      async () => {
        const l = await runCli(['node', 'list', '--task', 'squares', '--json'], { env })
        expect(l.code, l.stderr).toBe(0)
        return l.json.departed.length ? l : undefined
      },
      10_000,
    )
    expect(byName.json.task).toBe('squares')
    const sum = byName.json.nodes.reduce((a: number, n: { ledger: { done: number } }) => a + n.ledger.done, 0)
    expect(sum).toBe(ITEMS)
    expect(byName.json.departed).toEqual([{ node: 'departed-node', task: 'squares', done: 0, failed: 0 }])
    const unknown = await runCli(['node', 'list', '--task', 'no-such-task'], { env })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe("gridcore: no task named 'no-such-task' on the hub: see gridcore task list\n")
  })

  it('labels requests by route pattern, never by the raw path a client sent', async () => {
    const odd = `zz${randomBytes(6).toString('hex')}`
    await hub.call('GET', `/api/tasks/${odd}`)
    await hub.call('GET', `/${odd}/deeper/${odd}`)
    await hub.call('POST', `/api/tasks/${odd}/x`, {})
    const res = await hub.call('GET', '/metrics', undefined, `Bearer ${read}`)
    expect(res.text).not.toContain(odd)
    const m = parsePrometheus(res.text)
    const routes = new Set(
      samples(m, 'gridcore_hub_request_duration_seconds_count').map((s) => s.labels.route),
    )
    expect(routes).toContain('/api/tasks/{name}')
    expect(routes).toContain('(unmatched)')
    expect(routes).toContain('/gridnode/heartbeat')
    for (const route of routes) expect(route).toMatch(/^(\/[\w{}./-]*|\(unmatched\)|\(invalid\))$/)
  })

  it('asks for a read token: none is 401, a node token 403; a task whose Redis is down reads as down', async () => {
    expect((await hub.call('GET', '/metrics', undefined, false)).status).toBe(401)
    const node = JSON.parse((await hub.call('POST', '/api/tokens', { role: 'node', name: 'n' })).text).token
    expect((await hub.call('GET', '/metrics', undefined, `Bearer ${node}`)).status).toBe(403)
    const deadPort = await freePort()
    await hub.call('POST', '/api/tasks', {
      name: 'redis-down',
      group: 'down',
      command: ['true'],
      input_redis: `redis://:s3cret-pw@127.0.0.1:${deadPort}`,
      input_queue: 'x:in',
    })
    const m = await scrape()
    expect(sampleValue(m, 'gridcore_task_queue_up', { task: 'redis-down' })).toBe(0)
    const overview = await hub.call('GET', '/api/overview')
    const down = JSON.parse(overview.text).groups.find((g: { group: string }) => g.group === 'down')
    expect(down.progress.error).toMatch(/cannot read the queues of task 'redis-down'/)
    expect(overview.text).not.toContain('s3cret-pw')
    expect(hub.err()).not.toContain('s3cret-pw')
  })
})
