// connect, status, task and node commands run for real against an embedded hub and redis-server.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
let redis: TestRedis
let home: string
const gc = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined, ...env } })

beforeAll(async () => {
  hub = await startTestHub({ dir })
  redis = await startTestRedis()
  home = join(dir, 'home')
})
afterAll(async () => {
  await hub.stop()
  await redis.stop()
})

describe('connect', () => {
  it('checks hub, token and Redis, then writes skill.toml and a 0600 credentials.toml in a 0700 dir', async () => {
    const p = paths({ GRIDCORE_HOME: home })
    mkdirSync(p.skillDir, { recursive: true })
    chmodSync(p.skillDir, 0o755)
    writeFileSync(p.credentialsToml, '# old\n')
    chmodSync(p.credentialsToml, 0o644)
    const r = await gc([
      'connect',
      '--name',
      'production',
      '--hub',
      hub.url,
      '--token',
      hub.token,
      '--redis',
      redis.url,
      '--json',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({
      name: 'production',
      computehub_url: hub.url,
      redis_url: `redis://:***@127.0.0.1:${redis.port}`,
      nodes_online: 0,
    })
    expect(r.stdout).not.toContain(redis.password)
    expect(r.stdout).not.toContain(hub.token)
    const skill = readFileSync(p.skillToml, 'utf8')
    expect(skill).toContain('[cluster.production]')
    expect(skill).toContain(`computehub_url = "${hub.url}"`)
    expect(skill).toContain(`redis_url = "redis://127.0.0.1:${redis.port}"`)
    expect(skill).not.toContain(redis.password)
    expect(skill).not.toContain(hub.token)
    const creds = readFileSync(p.credentialsToml, 'utf8')
    expect(creds).toContain(`token = "${hub.token}"`)
    expect(creds).toContain(`redis_password = "${redis.password}"`)
    expect(statSync(p.credentialsToml).mode & 0o777).toBe(0o600)
    expect(statSync(p.skillDir).mode & 0o777).toBe(0o700)
  })

  it('uses the only profile without --cluster, and --cluster picks among several', async () => {
    const list = await gc(['task', 'list', '--json'])
    expect(list.code).toBe(0)
    expect(list.json).toEqual({ current: null, pending: [], completed: [] })
    await gc(['connect', '--name', 'second', '--hub', hub.url, '--token', hub.token])
    const ambiguous = await gc(['task', 'list'])
    expect(ambiguous.code).toBe(3)
    expect(ambiguous.stderr).toBe(
      'gridcore: several clusters are configured (production, second): pass --cluster NAME or set GRIDCORE_CLUSTER\n',
    )
    expect((await gc(['task', 'list', '--cluster', 'second', '--json'])).code).toBe(0)
    expect((await gc(['task', 'list', '--json'], { GRIDCORE_CLUSTER: 'production' })).code).toBe(0)
  })
})

describe('tasks and nodes', () => {
  const c = ['--cluster', 'production', '--json']
  it('registers with every upstream field, lists, finishes and advances', async () => {
    const reg = await gc([
      'task',
      'register',
      ...c,
      '--name',
      'sqrt',
      '--image',
      'app:amd64',
      '--platform-image',
      'linux/arm64=app:arm64',
      '--input-queue',
      'sqrt:in',
      '--output-queue',
      'sqrt:out',
      '--output-redis',
      redis.url,
    ])
    expect(reg.code).toBe(0)
    expect(reg.json).toEqual({
      registered: 'sqrt',
      running: true,
      current: 'sqrt',
      group: 'default',
      task: {
        name: 'sqrt',
        image: 'app:amd64',
        images: { 'linux/arm64': 'app:arm64' },
        input_redis: `redis://:***@127.0.0.1:${redis.port}`,
        output_redis: `redis://:***@127.0.0.1:${redis.port}`,
        input_queue: 'sqrt:in',
        output_queue: 'sqrt:out',
      },
    })
    const served = await hub.call('GET', '/gridnode/task?platform=linux/arm64')
    expect(served.json).toMatchObject({ image: 'app:arm64', input_redis: redis.url, output_redis: redis.url })
    const second = await gc(['task', 'register', ...c, '--name', 'after', '--image', 'x'])
    expect(second.json).toMatchObject({ registered: 'after', running: false, current: 'sqrt' })
    expect((await gc(['task', 'list', ...c])).json).toEqual({
      current: 'sqrt',
      pending: ['after'],
      completed: [],
    })
    const human = await gc(['task', 'list', '--cluster', 'production'])
    expect(human.stdout).toMatch(/sqrt\s+Running/)
  })

  it('status reports health, nodes with runtime_status, tasks and queue depths', async () => {
    const r0 = await redis.client()
    await r0.lpush('sqrt:in', '1', '2', '3')
    await r0.lpush('sqrt:out', 'a')
    const reg = await hub.call('POST', '/gridnode/register', {
      body: { hostname: 'w1', architecture: 'x86_64', cpu_count: 2 },
    })
    await hub.call('POST', '/gridnode/heartbeat', {
      body: { node_id: reg.json.node_id, status: 'Error', active_containers: 1 },
    })
    const s = await gc(['status', ...c])
    expect(s.code).toBe(0)
    expect(s.json.hub).toEqual({ url: hub.url, healthy: true })
    expect(s.json.tasks.current).toBe('sqrt')
    expect(s.json.nodes[0]).toMatchObject({
      id: reg.json.node_id,
      runtime_status: 'Error',
      active_containers: 1,
    })
    expect(s.json.queues).toMatchObject({
      input_queue: 'sqrt:in',
      input_length: 3,
      output_queue: 'sqrt:out',
      output_length: 1,
    })
    expect(s.stdout).not.toContain(redis.password)
    const nodes = await gc(['node', 'list', ...c])
    expect(nodes.json.nodes.map((n: { id: string }) => n.id)).toContain(reg.json.node_id)
    const stop = await gc(['node', 'stop', reg.json.node_id, ...c])
    expect(stop.json).toEqual({ stop_requested: reg.json.node_id })
    const hb = await hub.call('POST', '/gridnode/heartbeat', {
      body: { node_id: reg.json.node_id, status: 'Idle', active_containers: 0 },
    })
    expect(hb.json.stop_requested).toBe(true)
  })

  it('finish and next print the hub’s answers; next at the end fails with its text', async () => {
    const f = await gc(['task', 'finish', ...c])
    expect(f.json).toEqual({
      completed: 'sqrt',
      started: 'after',
      message: "Task 'sqrt' completed, 'after' started",
    })
    const n = await gc(['task', 'next', ...c])
    expect(n.code).toBe(6)
    expect(n.json.error).toMatchObject({ code: 'HUB_REJECTED', exit_code: 6 })
    expect(n.stderr).toContain('No more tasks available')
    // Nothing runs now: the hub would re-complete the last task and answer 200; gridcore refuses instead.
    const before = await gc(['task', 'list', ...c])
    expect(before.json.current).toBeNull()
    const again = await gc(['task', 'finish', ...c])
    expect(again.code).toBe(6)
    expect(again.json.error).toMatchObject({ code: 'NOTHING_RUNNING', exit_code: 6 })
    expect(again.stderr).toMatch(
      /^gridcore: nothing is running on cluster "\w+", so there is no task to finish/,
    )
    expect((await gc(['task', 'list', ...c])).json).toEqual(before.json)
  })

  it('uses the local cluster when state/local_cluster.json exists (upstream skill layout)', async () => {
    const localHome = join(dir, 'local-home')
    const p = paths({ GRIDCORE_HOME: localHome })
    mkdirSync(p.stateDir, { recursive: true })
    writeFileSync(
      p.localClusterJson,
      JSON.stringify({
        mode: 'local',
        token: hub.token,
        computehub: { url: hub.url },
        redis: { url: redis.url },
        managed_by_skill: true,
      }),
    )
    const r = await runCli(['task', 'list', '--json'], { env: { GRIDCORE_HOME: localHome } })
    expect(r.code).toBe(0)
    expect(r.json.completed).toContain('sqrt')
  })

  it('--hub with GRIDCORE_TOKEN bypasses profiles', async () => {
    const r = await runCli(['node', 'list', '--json', '--hub', hub.url], {
      env: { GRIDCORE_HOME: join(dir, 'empty'), GRIDCORE_TOKEN: hub.token },
    })
    expect(r.code).toBe(0)
    expect(Array.isArray(r.json.nodes)).toBe(true)
  })
})
