// GPUs on real parts: a GPU task's device request in the created container's inspect output (the real engine; this
// machine has no GPU, so the container is created and inspected, never started), a node that finds a (fake)
// nvidia-smi reports its GPUs and the group gpu, and GPU tasks on nodes that cannot run them are an Error saying why.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { NodeInfo, TaskConfig } from '../../src/hub/protocol.js'
import { containerOptions } from '../../src/node/docker-runtime.js'
import { instanceEnv } from '../../src/node/runtime.js'
import { busyboxImage, requireDocker } from '../helpers/docker.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let docker: Docker
let hub: TestHub
const nodes: NodeProc[] = []
const created: string[] = []

/** A directory with an nvidia-smi that lists two GPUs (as `nvidia-smi -L` does). */
function fakeNvidiaSmi(): string {
  const d = join(dir, 'fake-bin')
  mkdirSync(d, { recursive: true })
  writeFileSync(
    join(d, 'nvidia-smi'),
    '#!/bin/sh\n[ "$1" = "-L" ] || exit 2\necho "GPU 0: NVIDIA Test (UUID: GPU-1)"\necho "GPU 1: NVIDIA Test (UUID: GPU-2)"\n',
  )
  chmodSync(join(d, 'nvidia-smi'), 0o755)
  return d
}

beforeAll(async () => {
  docker = await requireDocker()
  hub = await startTestHub({ dir })
  await busyboxImage(
    docker,
    'gc-test/graceful:1',
    "trap 'exit 0' TERM; while true; do /bin/busybox sleep 0.2; done",
  )
}, 120_000)
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks?group=gpu')).json.current)
    await hub.call('POST', '/api/tasks/finish', { body: { group: 'gpu' } })
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(async () => {
  for (const id of created)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {})
  await hub?.stop()
})

const node = (toml: Record<string, string | number>, env: Record<string, string> = {}) => {
  const n = startNodeProc(dir, hub, { toml: { parallelism: 1, heartbeat_interval: 1, ...toml }, env })
  nodes.push(n)
  return n
}
const rowOf = async (n: NodeProc) => {
  const id = await n.id()
  return ((await hub.call('GET', '/api/nodes')).json as NodeInfo[]).find((x) => x.id === id)
}
const gpuTask = (gpus: TaskConfig['gpus']): TaskConfig => ({
  task_name: 'train',
  image: 'gc-test/graceful:1',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
  gpus,
})

describe('the device request', () => {
  it.each([
    [2, 2],
    ['all' as const, -1],
  ])(
    'gpus %s: the created container asks for nvidia GPUs (Count %s, capability gpu)',
    async (gpus, count) => {
      const task = gpuTask(gpus)
      const spec = { task, nodeId: `gpu-${count}`, instance: 0, env: instanceEnv(task, `gpu-${count}`, 0) }
      const options = containerOptions(spec, { memoryMb: 64, gpus: 2 })
      const container = await docker.createContainer(options)
      created.push(container.id)
      const info = await container.inspect()
      expect(info.State.Status).toBe('created')
      expect(info.Name).toBe(`/idm-train-gpu-${count}-0`)
      expect(info.HostConfig.DeviceRequests).toEqual([
        expect.objectContaining({ Driver: 'nvidia', Count: count, Capabilities: [['gpu']] }),
      ])
      expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024)
      // A task without gpus asks for no device.
      const plain = containerOptions(
        { ...spec, nodeId: `plain-${count}`, task: { ...task, gpus: undefined } },
        { memoryMb: 64 },
      )
      const other = await docker.createContainer(plain)
      created.push(other.id)
      expect((await other.inspect()).HostConfig.DeviceRequests ?? []).toEqual([])
    },
  )
})

describe('nodes and GPU tasks', () => {
  it('a node that finds nvidia-smi reports its GPUs and the group gpu; an engine without the nvidia runtime is an Error in its own words', async () => {
    const n = node(
      { runtime: '"docker"', network_mode: '"host"', container_memory: 64 },
      { PATH: `${fakeNvidiaSmi()}:${process.env.PATH}` },
    )
    const row = await waitFor('the node on the hub', () => rowOf(n))
    expect(row).toMatchObject({ gpus: 2, group: 'gpu', group_explicit: false })
    const line = n.logs().find((l) => l.msg.startsWith('registered with'))!
    expect(line).toMatchObject({ gpus: 2, group: 'gpu' })
    await hub.call('POST', '/api/tasks', {
      body: { name: 'train', image: 'gc-test/graceful:1', gpus: 1, group: 'gpu' },
    })
    const report = await waitFor('an error report', async () => (await rowOf(n))?.runtime_error, 20_000)
    expect(report.task).toBe('train')
    expect(report.message).toMatch(/container idm-train-.*-0: .*(nvidia|device driver)/i)
    expect((await rowOf(n))?.runtime_status).toBe('Error')
  })

  it('a GPU task on a Docker node without GPUs, or on a process node, is an Error with that reason', async () => {
    const path = join(dir, 'no-gpu-bin')
    mkdirSync(path, { recursive: true })
    const env = { PATH: `${path}:/usr/bin:/bin` }
    const dockerNode = node(
      { runtime: '"docker"', network_mode: '"host"', container_memory: 64, group: '"g1"' },
      env,
    )
    const processNode = node({ group: '"g2"' }, env)
    expect(await waitFor('docker node', () => rowOf(dockerNode))).not.toHaveProperty('gpus')
    await waitFor('process node', () => rowOf(processNode))
    for (const group of ['g1', 'g2'])
      await hub.call('POST', '/api/tasks', {
        body: { name: `gpu-${group}`, image: 'gc-test/graceful:1', command: ['sleep', '60'], gpus: 2, group },
      })
    const onDocker = await waitFor('docker node Error', async () => (await rowOf(dockerNode))?.runtime_error)
    expect(onDocker.message).toBe(
      'task "gpu-g1" asks for 2 GPUs, and this node has no GPU (no nvidia-smi on its PATH): run it on a node with NVIDIA GPUs (their group is gpu)',
    )
    const onProcess = await waitFor(
      'process node Error',
      async () => (await rowOf(processNode))?.runtime_error,
    )
    expect(onProcess.message).toMatch(
      /^task "gpu-g2" asks for 2 GPUs, and the process runtime cannot give GPUs to a process/,
    )
    for (const n of [dockerNode, processNode]) expect((await rowOf(n))?.runtime_status).toBe('Error')
    for (const group of ['g1', 'g2']) await hub.call('POST', '/api/tasks/finish', { body: { group } })
  })
})
