// The wire protocol against a real `gridcore hub start` process: an upstream-shaped client (raw HTTP, upstream
// bodies only) sees upstream answers; a gridcore-shaped one (HubClient, additive fields) gets what it declares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../src/client/hub-client.js'
import { GridcoreError } from '../../src/lib/errors.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, raw, startHubProcess, TOKEN } from './process.js'

const dir = tempDir()
let hub: HubProcess
let client: HubClient
beforeAll(async () => {
  hub = await startHubProcess(dir, 'protocol')
  client = new HubClient({ url: hub.url, token: TOKEN })
})
afterAll(async () => {
  await hub?.stop()
})

const upstreamNode = { hostname: 'rust-node', architecture: 'x86_64', cpu_count: 4 }
const report = {
  task: 'cmd',
  message: "ModuleNotFoundError: No module named 'redis'",
  exit_code: 1,
  signal: null,
  failed_instances: 3,
  log_path: '/var/lib/gridcore/logs/cmd-0.log',
  at: '2026-01-01T00:00:00.000Z',
}

describe('defects of issue 10, replayed against the process', () => {
  it('prototype-named platforms get the task’s image, never {} or a config without image', async () => {
    await hub.call('POST', '/api/tasks', {
      name: 'proto',
      image: 'img:default',
      images: { 'linux/arm64': 'img:arm' },
    })
    for (const p of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await hub.call('GET', `/gridnode/task?platform=${p}`)
      expect(JSON.parse(r.text), p).toMatchObject({ task_name: 'proto', image: 'img:default' })
    }
    await hub.call('POST', '/api/tasks/finish')
  })

  it('a malformed node id is 404 or 400, never 500', async () => {
    expect(await hub.call('POST', '/api/nodes/%zz/stop')).toMatchObject({
      status: 404,
      text: 'Node %zz not found',
    })
    expect((await hub.call('POST', '/api/nodes/%E0%A4%A/stop')).status).toBe(400)
    expect((await hub.call('POST', '/api/nodes/%/stop')).status).toBe(404)
  })

  it('HEAD answers like GET without a body; 405 carries Allow', async () => {
    const get = await hub.call('GET', '/api/tasks')
    const head = await hub.call('HEAD', '/api/tasks')
    expect(head.status).toBe(200)
    expect(head.text).toBe('')
    expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(get.text)))
    expect(head.headers.get('content-type')).toBe('application/json')
    const wire = await raw(
      hub.port,
      `HEAD /api/nodes HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
      {
        waitMs: 500,
      },
    )
    expect(wire.data).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 2\r\n[\s\S]*\r\n\r\n$/)
    const wrong = await hub.call('DELETE', '/api/tasks')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST,GET,HEAD')
  })

  it('cpu_count 2.0 and active_containers 1e0 are 422 as upstream’s u32', async () => {
    const send = (path: string, body: string) =>
      fetch(`${hub.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body,
      })
    expect(
      (await send('/gridnode/register', '{"hostname":"h","architecture":"x86_64","cpu_count":2.0}')).status,
    ).toBe(422)
    const ok = await send('/gridnode/register', '{"hostname":"h","architecture":"x86_64","cpu_count":2}')
    const { node_id } = (await ok.json()) as { node_id: string }
    const bad = await send(
      '/gridnode/heartbeat',
      `{"node_id":"${node_id}","status":"Idle","active_containers":1e0}`,
    )
    expect(bad.status).toBe(422)
  })
})

describe('upstream-shaped and gridcore-shaped clients', () => {
  it('an upstream node never receives a command-only task; a command node does, with its command', async () => {
    await hub.call('POST', '/api/tasks', {
      name: 'cmd',
      command: ['python3', 'worker.py'],
      input_queue: 'cmd:in',
    })
    // Upstream node: raw bodies exactly as the Rust gridnode sends them.
    const up = JSON.parse((await hub.call('POST', '/gridnode/register', upstreamNode)).text)
    expect(up.current_task).toBeNull()
    expect(JSON.parse((await hub.call('GET', '/gridnode/task?platform=linux/amd64')).text)).toBeNull()
    const upBeat = await hub.call('POST', '/gridnode/heartbeat', {
      node_id: up.node_id,
      status: 'Idle',
      active_containers: 0,
    })
    expect(JSON.parse(upBeat.text)).toEqual({ stop_requested: false })
    // gridcore node: declares what it runs, polls with its id, reports failures.
    const mine = await client.register({ ...upstreamNode, hostname: 'gc-node', capabilities: ['command'] })
    expect(mine.current_task).toMatchObject({
      task_name: 'cmd',
      command: ['python3', 'worker.py'],
      image: '',
    })
    expect(await client.currentTask('linux/amd64', mine.node_id)).toMatchObject({ task_name: 'cmd' })
    expect(await client.currentTask('linux/amd64')).toBeNull()
    expect(await client.runningTask('linux/amd64')).toMatchObject({ task_name: 'cmd', input_queue: 'cmd:in' })
    expect(
      await client.heartbeat({
        node_id: mine.node_id,
        status: 'Error',
        active_containers: 0,
        runtime_error: report,
      }),
    ).toEqual({ stop_requested: false })
    await client.heartbeat({
      node_id: mine.node_id,
      status: 'Error',
      active_containers: 0,
      runtime_error: null,
    })
    const nodes = await client.listNodes()
    const seen = Object.fromEntries(nodes.map((n) => [n.id, n]))
    expect(seen[mine.node_id]).toMatchObject({ capabilities: ['command'], runtime_error: report })
    expect(Object.keys(seen[up.node_id]!).sort()).toEqual(
      [
        'id',
        'hostname',
        'architecture',
        'cpu_count',
        'last_seen',
        'status',
        'runtime_status',
        'active_containers',
      ].sort(),
    )
    expect(hub.err()).toContain("instances of task 'cmd' fail")
    expect(hub.err()).not.toContain('No module named')
    await client.finishTask()
  })

  it('an image task goes to both; the upstream node sees no command fields', async () => {
    await hub.call('POST', '/api/tasks', {
      name: 'both',
      image: 'app:1',
      command: 'python3 w.py',
      shell: true,
    })
    const up = JSON.parse((await hub.call('GET', '/gridnode/task?platform=linux/amd64')).text)
    expect(up).toEqual({
      task_name: 'both',
      image: 'app:1',
      redis_url: null,
      input_redis: null,
      output_redis: null,
      input_queue: null,
      output_queue: null,
    })
    const auto = await client.register({ ...upstreamNode, capabilities: ['command', 'image'] })
    expect(auto.current_task).toMatchObject({ image: 'app:1', command: 'python3 w.py', shell: true })
    await client.finishTask()
  })

  it('unique names: the second claim of a pending or running name is a HUB_REJECTED error naming it', async () => {
    await client.registerTask({ name: 'claimed', image: 'x', unique: true })
    const err = await client.registerTask({ name: 'claimed', image: 'x', unique: true }).catch((e) => e)
    expect(err).toBeInstanceOf(GridcoreError)
    expect(err.code).toBe('HUB_REJECTED')
    expect(err.exitCode).toBe(6)
    expect(err.message).toContain("task 'claimed' is already pending or running")
    expect(err.details).toMatchObject({ status: 409, conflict: 'claimed' })
    const raced = await Promise.all(
      Array.from({ length: 10 }, () =>
        hub.call('POST', '/api/tasks', { name: 'race', image: 'x', unique: true }),
      ),
    )
    expect(raced.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)])
    expect(raced.find((r) => r.status === 409)!.text).toBe("Task 'race' is already pending or running")
    await client.registerTask({ name: 'claimed', image: 'x' })
  })
})
