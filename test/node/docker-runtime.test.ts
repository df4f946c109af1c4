// The embedded GridNode with the Docker runtime, against a real engine (dockerd with vfs; images FROM scratch).
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type Docker from 'dockerode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/hub/protocol.js'
import { createLogger } from '../../src/lib/logger.js'
import { DockerRuntime } from '../../src/node/docker-runtime.js'
import { Supervisor } from '../../src/node/instances.js'
import { LogBuffer } from '../../src/node/log-buffer.js'
import { runCli } from '../helpers/cli.js'
import { busyboxImage, containersOf, requireDocker } from '../helpers/docker.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let docker: Docker
let redis: TestRedis
let hub: TestHub
const nodes: NodeProc[] = []
const seen: LogLine[] = []
const DOCKER_TOML = { runtime: '"docker"', network_mode: '"host"', container_memory: 64, stop_timeout: 1 }

beforeAll(async () => {
  docker = await requireDocker()
  redis = await startTestRedis()
  hub = await startTestHub({ dir })
  await busyboxImage(
    docker,
    'gc-test/graceful:1',
    "trap 'exit 0' TERM; while true; do /bin/busybox sleep 0.2; done",
  )
  await busyboxImage(
    docker,
    'gc-test/stubborn:1',
    "trap '' TERM; while true; do /bin/busybox sleep 0.2; done",
  )
  await busyboxImage(
    docker,
    'gc-test/failing:1',
    `echo "starting $INSTANCE_ID"; echo '{"error": "boom in container"}' >&2; exit 3`,
  )
}, 120_000)
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(async () => {
  await hub?.stop()
  await redis?.stop()
})

const node = (opts: Parameters<typeof startNodeProc>[2] = {}) => {
  const n = startNodeProc(dir, hub, { ...opts, toml: { ...DOCKER_TOML, ...opts.toml } })
  nodes.push(n)
  return n
}
const queues = () => {
  const p = `k${randomBytes(4).toString('hex')}`
  return { input_queue: `${p}:in`, output_queue: `${p}:out` }
}
const register = (name: string, image: string, q = queues()) =>
  hub.call('POST', '/api/tasks', {
    body: { name, image, input_redis: redis.url, output_redis: redis.url, ...q },
  })
const status = async (n: NodeProc) => {
  const id = await n.id()
  return (
    (await hub.call('GET', '/api/nodes')).json as {
      id: string
      runtime_status: string
      active_containers: number
    }[]
  ).find((x) => x.id === id)
}

describe('docker runtime', () => {
  it('starts containers named like upstream, with exactly its env, 1 CPU and container_memory MB', async () => {
    const n = node()
    const q = queues()
    await register('envcheck', 'gc-test/graceful:1', q)
    const id = await n.id()
    const running = await waitFor('2 containers', async () => {
      const cs = await containersOf(docker, id)
      return cs.filter((c) => c.State === 'running').length === 2 ? cs : undefined
    })
    expect(running.map((c) => c.Names[0]).sort()).toEqual([`/idm-envcheck-${id}-0`, `/idm-envcheck-${id}-1`])
    const info = await docker.getContainer(running.find((c) => c.Names[0]!.endsWith('-1'))!.Id).inspect()
    const env = Object.fromEntries(
      info.Config.Env.map((e) => e.split(/=(.*)/s).slice(0, 2) as [string, string]),
    )
    expect(env).toMatchObject({
      TASK_NAME: 'envcheck',
      NODE_ID: id,
      INSTANCE_ID: '1',
      INPUT_REDIS_URL: redis.url,
      OUTPUT_REDIS_URL: redis.url,
      INPUT_QUEUE: q.input_queue,
      OUTPUT_QUEUE: q.output_queue,
    })
    expect(
      Object.keys(env)
        .filter((k) => !['PATH', 'HOSTNAME', 'HOME', 'TERM'].includes(k))
        .sort(),
    ).toEqual(
      [
        'INPUT_QUEUE',
        'INPUT_REDIS_URL',
        'INSTANCE_ID',
        'NODE_ID',
        'OUTPUT_QUEUE',
        'OUTPUT_REDIS_URL',
        'TASK_NAME',
      ].sort(),
    )
    expect(info.HostConfig.NanoCpus).toBe(1_000_000_000)
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024)
    expect(info.HostConfig.NetworkMode).toBe('host')
    await waitFor(
      'Running',
      async () =>
        (await status(n))?.runtime_status === 'Running' && (await status(n))?.active_containers === 2,
    )
  })

  it('on a task switch stops the old containers within stop_timeout and starts the next task’s', async () => {
    const n = node()
    await register('stubborn', 'gc-test/stubborn:1')
    await register('next', 'gc-test/graceful:1')
    const id = await n.id()
    await waitFor(
      'stubborn containers',
      async () => (await containersOf(docker, id)).filter((c) => c.State === 'running').length === 2,
    )
    const t0 = Date.now()
    await hub.call('POST', '/api/tasks/finish')
    await waitFor('next task containers', async () => {
      const cs = await containersOf(docker, id)
      return cs.length === 2 && cs.every((c) => c.Names[0]!.startsWith('/idm-next-') && c.State === 'running')
    })
    expect(Date.now() - t0).toBeLessThan(1000 + 2500)
  })

  it('stops on a hub stop request, removing its containers', async () => {
    const n = node()
    await register('stopme', 'gc-test/graceful:1')
    const id = await n.id()
    await waitFor('containers', async () => (await containersOf(docker, id)).length === 2)
    const stop = await runCli(['node', 'stop', id, '--hub', hub.url], {
      env: { GRIDCORE_TOKEN: hub.token, GRIDCORE_HOME: join(dir, 'home') },
    })
    expect(stop.code).toBe(0)
    expect((await n.exited).code).toBe(0)
    expect(await containersOf(docker, id)).toEqual([])
  })

  it('removes containers an earlier crash left behind', async () => {
    const id = `left-${randomBytes(3).toString('hex')}`
    const stale = await docker.createContainer({
      name: `idm-old-${id}-0`,
      Image: 'gc-test/graceful:1',
      Labels: { 'io.gridcore.node': id },
    })
    await stale.start()
    const n = node({ args: ['--node-id', id] })
    await waitFor('cleanup', () => n.logs().find((l) => /removed 1 leftover/.test(l.msg)))
    expect(await containersOf(docker, id)).toEqual([])
  })

  it('an image that cannot be pulled is an Error with the fix, not a crash', async () => {
    const n = node()
    await register('missing', '127.0.0.1:1/gridcore-missing:1')
    await waitFor('Error', async () => (await status(n))?.runtime_status === 'Error')
    const line = await waitFor('log', () => n.logs().find((l) => /could not be pulled/.test(l.msg)))
    expect(line.msg).toMatch(
      /image 127\.0\.0\.1:1\/gridcore-missing:1 is not on this machine and could not be pulled .*: build it here \(gridcore build\)/,
    )
    expect(n.child.exitCode).toBeNull()
  })

  it('a container that exits non-zero: its last log lines travel in the error report, then it is removed', async () => {
    const lines: string[] = []
    const s = new Supervisor({
      runtime: new DockerRuntime({ memoryMb: 64 }),
      nodeId: `rep-${randomBytes(3).toString('hex')}`,
      parallelism: 1,
      stopTimeoutMs: 1000,
      logger: createLogger({ format: 'json', component: 'node', write: (l) => lines.push(l) }),
    })
    try {
      await s.setTask({
        task_name: 'failing',
        image: 'gc-test/failing:1',
        redis_url: null,
        input_redis: null,
        output_redis: null,
        input_queue: null,
        output_queue: null,
      })
      const report = await waitFor('an error report', () => s.status().error, 20_000)
      expect(report).toMatchObject({
        task: 'failing',
        exit_code: 3,
        signal: null,
        failed_instances: 1,
        log_path: null,
      })
      // Docker collects stdout and stderr apart: lines of the same instant may come in either order.
      expect(report.message.split('\n').sort()).toEqual(['starting 0', '{"error": "boom in container"}'])
      expect(s.status().reason).toMatch(/^instance 0 exited with code 3: /)
      await waitFor('the container removed', async () =>
        (await docker.listContainers({ all: true, filters: { name: ['idm-failing-rep-'] } })).every(
          (c) => c.State === 'running',
        ),
      )
    } finally {
      await s.stopAll()
    }
  })

  it('a container’s stdout and stderr lines are followed into the remote-log buffer, the last ones before it is removed', async () => {
    const logs = new LogBuffer()
    const s = new Supervisor({
      runtime: new DockerRuntime({ memoryMb: 64 }),
      nodeId: `logs-${randomBytes(3).toString('hex')}`,
      parallelism: 1,
      stopTimeoutMs: 1000,
      logger: createLogger({ format: 'json', component: 'node', write: () => {} }),
      logs,
    })
    try {
      await s.setTask({
        task_name: 'failing',
        image: 'gc-test/failing:1',
        redis_url: null,
        input_redis: null,
        output_redis: null,
        input_queue: null,
        output_queue: null,
      })
      await waitFor('an error report', () => s.status().error, 20_000)
      const lines = await waitFor('both lines', () => {
        const got = logs.pending ? logs.take().batches.flatMap((b) => b.lines) : []
        seen.push(...got)
        return seen.length >= 2 && seen
      })
      expect(
        lines
          .slice(0, 2)
          .map((l) => [l.stream, l.text])
          .sort(),
      ).toEqual([
        ['stderr', '{"error": "boom in container"}'],
        ['stdout', 'starting 0'],
      ])
    } finally {
      await s.stopAll()
    }
  })

  it('no engine: Error status with one clear line, and the node keeps running', async () => {
    const n = node({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } })
    await register('noengine', 'gc-test/graceful:1')
    await waitFor('Error', async () => (await status(n))?.runtime_status === 'Error')
    const line = await waitFor('log', () => n.logs().find((l) => /no Docker engine answers/.test(l.msg)))
    expect(line.msg).toMatch(
      /no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock \(ENOENT\): start Docker, or use the process runtime/,
    )
    expect(n.child.exitCode).toBeNull()
  })
})
