// The embedded GridNode with the process runtime, for real: hub, redis-server, node and consumers as processes.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { CONSUMER, pidAlive, sleep } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let redis: TestRedis
let r: Redis
let hub: TestHub
const nodes: NodeProc[] = []
const UPSTREAM = fileURLToPath(new URL('../fixtures/upstream_consumer.py', import.meta.url))

beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  hub = await startTestHub({ dir })
  scaffold({ template: 'node', name: 'nodet', dir: join(dir, 'tpl-node') })
  scaffold({ template: 'python', name: 'pyt', dir: join(dir, 'tpl-python') })
})
afterEach(async () => {
  await stopNodes(nodes)
  // Leave the hub with no running task for the next test.
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(async () => {
  await hub.stop()
  await redis.stop()
})

const node = (opts: Parameters<typeof startNodeProc>[2] = {}) => {
  const n = startNodeProc(dir, hub, opts)
  nodes.push(n)
  return n
}
const queues = () => {
  const p = `n${randomBytes(4).toString('hex')}`
  return { input_queue: `${p}:in`, output_queue: `${p}:out` }
}
async function registerTask(
  name: string,
  command: string[] | string,
  q = queues(),
  extra: Record<string, unknown> = {},
) {
  const res = await hub.call('POST', '/api/tasks', {
    body: { name, command, input_redis: redis.url, ...q, ...extra },
  })
  expect(res.status).toBe(201)
  return q
}
async function pushRange(key: string, n: number) {
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => String(i + j + 1))
    await r.lpush(key, ...batch)
  }
  await r.hincrby(`${key}:stats`, 'pushed', n)
}
type NodeRow = { id: string; runtime_status: string | null; active_containers: number }
/** The hub's row for this node (other tests' stopped nodes stay listed until swept). */
const row = async (n: NodeProc): Promise<NodeRow | undefined> => {
  const id = await n.id()
  return ((await hub.call('GET', '/api/nodes')).json as NodeRow[]).find((x) => x.id === id)
}
const status = async (n: NodeProc, s: string) => (await row(n))?.runtime_status === s
async function expectAllResults(q: { output_queue: string }, n: number, timeoutMs = 60_000) {
  await waitFor(
    `${n} results in ${q.output_queue}`,
    async () => (await r.llen(q.output_queue)) >= n,
    timeoutMs,
  )
  const ids = (await r.lrange(q.output_queue, 0, -1)).map((x) => x.split(':')[0]!)
  expect(ids.length).toBe(n)
  expect(new Set(ids).size).toBe(n)
}

describe('process runtime', () => {
  it.each([
    ['the Node template', () => ['node', join(dir, 'tpl-node', 'consumer.mjs')]],
    [
      'the Python template (Debian python3-redis)',
      () => ['/usr/bin/python3', '-u', join(dir, 'tpl-python', 'consumer.py')],
    ],
    ['an upstream BRPOP/LPUSH consumer', () => ['/usr/bin/python3', '-u', UPSTREAM]],
  ])('runs %s: 10,000 items, all results; Running while busy, Idle once finished', async (label, command) => {
    const n = node()
    const q = await registerTask(`t-${label.split(' ')[1]}-${randomBytes(2).toString('hex')}`, command())
    await pushRange(q.input_queue, 10_000)
    await waitFor(
      'node Running',
      async () => (await status(n, 'Running')) && (await row(n))!.active_containers > 0,
    )
    await expectAllResults(q, 10_000)
    await hub.call('POST', '/api/tasks/finish')
    await waitFor(
      'node Idle',
      async () => (await status(n, 'Idle')) && (await row(n))!.active_containers === 0,
    )
    const list = await runCli(['node', 'list', '--json', '--hub', hub.url], {
      env: { GRIDCORE_TOKEN: hub.token, GRIDCORE_HOME: join(dir, 'home') },
    })
    const id = await n.id()
    expect(list.json.nodes.find((x: NodeRow) => x.id === id)).toMatchObject({
      runtime_status: 'Idle',
      status: 'Online',
    })
    n.child.kill('SIGTERM')
    expect((await n.exited).code).toBe(0)
    expect(n.err()).not.toContain(hub.token)
  })

  it('saves a new node_id into gridnode.toml and registers with it again after a restart', async () => {
    const n = node()
    await waitFor('registration', () => n.logs().find((l) => l.msg.startsWith('registered')))
    const id = /node_id = "([^"]+)"/.exec(readFileSync(n.config, 'utf8'))?.[1]
    expect(id).toBeTruthy()
    n.child.kill('SIGTERM')
    await n.exited
    const again = node({ config: n.config })
    await waitFor('registration', () =>
      again.logs().find((l) => l.msg === `registered with ${hub.url} as node ${id}`),
    )
  })

  it('loses nothing when the node is SIGKILLed mid-batch and started again (orphans stopped, items recovered)', async () => {
    const n = node({ env: { SLOW_MS: '2', BATCH: '50' } })
    const q = await registerTask('crashy', ['node', CONSUMER])
    await pushRange(q.input_queue, 3000)
    await waitFor('some progress', async () => (await r.llen(q.output_queue)) > 300)
    const record = join(dir, 'node-state', 'instances', `${await n.id()}.json`)
    const pids = JSON.parse(readFileSync(record, 'utf8')).instances as { pid: number }[]
    expect(pids.length).toBe(2)
    n.child.kill('SIGKILL')
    await n.exited
    expect(pids.some((p) => pidAlive(p.pid))).toBe(true) // the orphans outlive the node…
    const again = node({ config: n.config, env: { SLOW_MS: '2', BATCH: '50' } })
    await waitFor('orphans stopped', () => pids.every((p) => !pidAlive(p.pid)))
    expect(again.logs().some((l) => /removed 2 leftover/.test(l.msg))).toBe(true)
    await expectAllResults(q, 3000)
  })

  it('registers again and goes on when the hub restarts mid-batch', async () => {
    const stateFile = join(dir, 'restart-hub.json')
    const h2 = await startTestHub({ dir, stateFile })
    const n = startNodeProc(dir, h2, { env: { SLOW_MS: '1', SLOW_EVERY: '5' } })
    nodes.push(n)
    const q = queues()
    await h2.call('POST', '/api/tasks', {
      body: { name: 'survivor', command: ['node', CONSUMER], input_redis: redis.url, ...q },
    })
    await pushRange(q.input_queue, 4000)
    await waitFor('progress', async () => (await r.llen(q.output_queue)) > 200)
    const port = h2.port
    await h2.stop()
    await sleep(800)
    const h3 = await startTestHub({ dir, stateFile, port, token: h2.token })
    try {
      await waitFor('re-registration', async () => (await h3.call('GET', '/api/nodes')).json.length === 1)
      expect(n.logs().some((l) => /registering again/.test(l.msg))).toBe(true)
      await expectAllResults(q, 4000)
    } finally {
      n.child.kill('SIGTERM')
      await n.exited
      await h3.stop()
    }
  })

  it('registers again when the hub dropped it in a sweep', async () => {
    const h = await startTestHub({
      dir,
      nodeTimeoutMs: 300,
      sweepIntervalMs: 100,
      stateFile: join(dir, 'sweep.json'),
    })
    const n = startNodeProc(dir, h, { args: ['--heartbeat-interval', '1'] })
    nodes.push(n)
    try {
      await waitFor(
        'a sweep and a new registration',
        () => n.logs().find((l) => /registering again/.test(l.msg)),
        10_000,
      )
      await waitFor('node listed', async () => (await h.call('GET', '/api/nodes')).json.length === 1)
    } finally {
      n.child.kill('SIGTERM')
      await n.exited
      await h.stop()
    }
  })

  it('stops the old task’s instances within stop_timeout (SIGKILL if they ignore SIGTERM) and starts the next task', async () => {
    const n = node({ toml: { stop_timeout: 1 } })
    const marker = join(dir, 'second-started')
    await registerTask('stubborn', ['/bin/sh', '-c', "trap '' TERM; while true; do sleep 0.1; done"])
    await registerTask('second', ['/bin/sh', '-c', `touch ${marker}; exec sleep 1000`])
    await waitFor('node Running', async () => (await row(n))?.active_containers === 2)
    const t0 = Date.now()
    await hub.call('POST', '/api/tasks/finish')
    await waitFor('the next task started', () => existsSync(marker))
    expect(Date.now() - t0).toBeLessThan(1000 + 200 + 1500)
    expect(n.logs().filter((l) => /exited/.test(l.msg)).length).toBe(0)
  })

  it('refuses a command outside allowed_commands: Error with the reason, then clears once the task changes', async () => {
    const n = node({ args: ['--allow-command', '/usr/bin/true'] })
    await registerTask('forbidden', ['node', CONSUMER])
    await waitFor('Error', () => status(n, 'Error'))
    await waitFor('log line', () =>
      n
        .logs()
        .find((l) =>
          /command "node" \(\/.*\) is not in this node.s allowed_commands \(\/usr\/bin\/true = .*\): add its path to allowed_commands in gridnode.toml/.test(
            l.msg,
          ),
        ),
    )
    await hub.call('POST', '/api/tasks/finish')
    await waitFor('Idle', () => status(n, 'Idle'))
  })

  it('an image-only task is not handed to a process node: it stays Idle and starts nothing', async () => {
    const n = node()
    const id = await n.id()
    await hub.call('POST', '/api/tasks', {
      body: { name: 'img-only', image: 'x:1', input_redis: redis.url, ...queues() },
    })
    const polled = await hub.call('GET', `/gridnode/task?platform=linux/amd64&node_id=${id}`)
    expect(polled.json).toBeNull()
    await new Promise((r) => setTimeout(r, 1_500))
    expect(await row(n)).toMatchObject({
      runtime_status: 'Idle',
      active_containers: 0,
      capabilities: ['command'],
    })
    expect(n.logs().some((l) => /starting \d+ instance/.test(l.msg))).toBe(false)
    expect(n.child.exitCode).toBeNull()
  })

  it('clears Error by itself once instances run healthy again', async () => {
    const flag = join(dir, 'healthy-flag')
    const n = node()
    await registerTask('flaky', ['/bin/sh', '-c', `test -f ${flag} || exit 3; exec sleep 1000`])
    await waitFor('Error', () => status(n, 'Error'))
    writeFileSync(flag, '')
    await waitFor('Running again', () => status(n, 'Running'), 30_000)
  })

  it('exits 0 when the hub asks it to stop (gridcore node stop)', async () => {
    const n = node()
    const id = await n.id()
    const stop = await runCli(['node', 'stop', id, '--hub', hub.url, '--json'], {
      env: { GRIDCORE_TOKEN: hub.token, GRIDCORE_HOME: join(dir, 'home') },
    })
    expect(stop.code).toBe(0)
    expect((await n.exited).code).toBe(0)
    expect(n.logs().some((l) => l.msg === 'the hub asked this node to stop')).toBe(true)
  })
})

describe('start-up failures', () => {
  it('a wrong token stops the node at once with one clear line (exit 5)', async () => {
    const n = node({ args: ['--token', 'wrong-token'] })
    expect((await n.exited).code).toBe(5)
    const lines = n.err().trim().split('\n')
    expect(lines.at(-1)).toMatch(/^gridcore: the hub at http:\/\/127\.0\.0\.1:\d+ rejected the token \(401\)/)
    expect(n.err()).not.toContain('wrong-token')
  })

  it('an unreachable hub at start is retried with backoff until it comes up', async () => {
    const { freePort } = await import('../helpers/ports.js')
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const n = node({ args: ['--server-url', url] })
    await waitFor('a retry message', () =>
      n.logs().find((l) => /cannot reach the hub at .* retrying in/.test(l.msg)),
    )
    const h = await startTestHub({ dir, port, token: hub.token, stateFile: join(dir, 'late.json') })
    try {
      await waitFor('registration', () => n.logs().find((l) => l.msg.startsWith('registered')), 15_000)
    } finally {
      n.child.kill('SIGTERM')
      await n.exited
      await h.stop()
    }
  })
})
