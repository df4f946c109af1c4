// What the node sends the hub, request by request (a recording HTTP server on loopback stands in for the hub):
// capabilities on register, node_id on the task poll, the error report with heartbeats, the final Idle.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  archOfThisMachine,
  platformForArch,
  type TaskConfig,
  taskFingerprint,
} from '../../src/hub/protocol.js'
import { createLogger } from '../../src/lib/logger.js'
import { AutoRuntime } from '../../src/node/auto-runtime.js'
import { runNode } from '../../src/node/daemon.js'
import { DockerRuntime } from '../../src/node/docker-runtime.js'
import { type NodeOptions, parseNodeOptions } from '../../src/node/options.js'
import { ProcessRuntime } from '../../src/node/process-runtime.js'
import { waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
interface Seen {
  method: string
  url: string
  auth?: string
  body: any
  at: number
}
const seen: Seen[] = []
let server: Server
let url: string
const task: TaskConfig = {
  task_name: 'missing-program',
  image: '',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
  command: ['gridcore-no-such-program'],
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let b = ''
    req.on('data', (d) => {
      b += d
    })
    req.on('end', () => resolve(b))
  })

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const text = await read(req)
    seen.push({
      method: req.method!,
      url: req.url!,
      auth: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
      at: Date.now(),
    })
    res.setHeader('content-type', 'application/json')
    if (req.url === '/gridnode/register') res.end(JSON.stringify({ node_id: 'n-1', current_task: task }))
    else if (req.url === '/gridnode/heartbeat') res.end(JSON.stringify({ stop_requested: false }))
    else res.end(JSON.stringify(task))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise((r) => server.close(r)))

const options = (): NodeOptions => ({
  ...parseNodeOptions(
    { 'server-url': url, token: 'secret-token', 'state-dir': join(dir, 'state'), group: 'g1' },
    {},
  ),
  parallelism: 1,
  heartbeatMs: 100,
  pollMs: 50,
  stopTimeoutMs: 500,
  runtime: 'process',
  allowedCommands: ['*'],
})

describe('runNode on the wire', () => {
  it('registers with its capabilities and group, long-polls with its node_id and group, sends the error report with heartbeats', async () => {
    const stop = new AbortController()
    const logger = createLogger({ format: 'json', component: 'node', write: () => {} })
    const running = runNode(options(), { signal: stop.signal, logger })
    const withError = await waitFor('a heartbeat with runtime_error', () =>
      seen.find((s) => s.url === '/gridnode/heartbeat' && s.body.runtime_error),
    )
    await waitFor(
      'three task polls',
      () => seen.filter((s) => s.url.startsWith('/gridnode/task')).length >= 3,
    )
    stop.abort()
    expect(await running).toEqual({ node_id: 'n-1', reason: 'signal' })

    const register = seen.find((s) => s.url === '/gridnode/register')!
    expect(register).toMatchObject({ method: 'POST', auth: 'Bearer secret-token' })
    expect(register.body).toEqual({
      node_id: null,
      hostname: expect.any(String),
      architecture: archOfThisMachine(),
      cpu_count: 1,
      group: 'g1',
      group_explicit: true,
      capabilities: ['command'],
    })
    const poll = seen.find((s) => s.url.startsWith('/gridnode/task'))!
    expect(poll.method).toBe('GET')
    expect(poll.url).toBe(
      `/gridnode/task?platform=${encodeURIComponent(platformForArch(archOfThisMachine()))}&node_id=n-1&group=g1&wait=25&known=${taskFingerprint(task)}`,
    )
    // This fake hub answers at once (as upstream's would): the node still polls no faster than task_poll_interval.
    // (On average: one poll's connection set-up may delay its arrival and shorten the next gap.)
    const polls = seen.filter((s) => s.url.startsWith('/gridnode/task')).map((s) => s.at)
    expect((polls.at(-1)! - polls[0]!) / (polls.length - 1)).toBeGreaterThanOrEqual(40)
    expect(withError.body).toEqual({
      node_id: 'n-1',
      status: 'Error',
      active_containers: 0,
      runtime_error: {
        task: 'missing-program',
        message: expect.stringMatching(/could not start gridcore-no-such-program: .*ENOENT/),
        exit_code: null,
        signal: null,
        failed_instances: expect.any(Number),
        log_path: join(dir, 'state', 'logs', 'missing-program-0.log'),
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    })
    // Heartbeats before the first failure carry no report; the last one says Idle, with none either.
    const beats = seen.filter((s) => s.url === '/gridnode/heartbeat')
    expect(beats.at(-1)!.body).toEqual({ node_id: 'n-1', status: 'Idle', active_containers: 0 })
    expect(beats.every((b) => b.body.runtime_error === undefined || b.body.status === 'Error')).toBe(true)
  })
})

describe('capabilities', () => {
  it('process ["command"], docker ["image"], auto both, or ["command"] without an engine', () => {
    const p = new ProcessRuntime({ allowedCommands: [], allowShell: false, stateDir: join(dir, 'caps') })
    const d = new DockerRuntime({ memoryMb: 64 })
    expect(p.capabilities()).toEqual(['command'])
    expect(d.capabilities()).toEqual(['image'])
    expect(new AutoRuntime(p, d).capabilities()).toEqual(['command', 'image'])
    expect(new AutoRuntime(p).capabilities()).toEqual(['command'])
  })
})
