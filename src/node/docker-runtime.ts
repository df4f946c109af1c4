// The Docker runtime (dockerode): one container per instance, named and limited like upstream GridNode.
import { Writable } from 'node:stream'
import type Docker from 'dockerode'
import { connectDocker, dockerError, hasImage, pullImage } from '../docker/engine.js'
import type { Capability, TaskConfig } from '../hub/protocol.js'
import { deviceRequests, gpuRefusal } from './gpus.js'
import { demuxDockerLogs, lastLines, TAIL_LINES } from './output-tail.js'
import type { Exit, InstanceSpec, OutputSink, RunningInstance, Runtime } from './runtime.js'

export interface DockerRuntimeOptions {
  memoryMb: number
  networkMode?: string
  /** GPUs nvidia-smi listed on this node (undefined: no nvidia-smi): a GPU task needs them. */
  gpus?: number
}

const LABEL = 'io.gridcore.node'

/** Upstream container name: idm-<task>-<node_id>-<instance>, made safe for Docker. */
export function containerName(task: string, nodeId: string, instance: number): string {
  return `idm-${task}-${nodeId}-${instance}`.replace(/[^a-zA-Z0-9_.-]/g, '-')
}

/** What an instance's container is created with: upstream's name, env and limits, plus a GPU task's devices. */
export function containerOptions(spec: InstanceSpec, o: DockerRuntimeOptions): Docker.ContainerCreateOptions {
  return {
    name: containerName(spec.task.task_name, spec.nodeId, spec.instance),
    Image: spec.task.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: { [LABEL]: spec.nodeId, 'io.gridcore.task': spec.task.task_name },
    HostConfig: {
      NanoCpus: 1_000_000_000,
      Memory: o.memoryMb * 1024 * 1024,
      NetworkMode: o.networkMode ?? (onLoopback(spec.env) ? 'host' : undefined),
      ...(spec.task.gpus !== undefined ? { DeviceRequests: deviceRequests(spec.task.gpus) } : {}),
    },
  }
}

/**
 * True when the instance's Redis is on this machine's loopback (the node's TLS proxy, or a local Redis): without a
 * network_mode of its own, such a container runs with host networking so that 127.0.0.1 is the node's.
 */
export function onLoopback(env: Record<string, string>): boolean {
  return [env.INPUT_REDIS_URL, env.OUTPUT_REDIS_URL].some((u) => {
    if (!u || !URL.canParse(u)) return false
    const host = new URL(u).hostname
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.')
  })
}

export class DockerRuntime implements Runtime {
  readonly name = 'docker' as const
  private docker?: Docker
  private readonly pulls = new Map<string, Promise<void>>()

  constructor(private readonly opts: DockerRuntimeOptions) {}

  capabilities(): Capability[] {
    return ['image']
  }

  cannotRun(task: TaskConfig): string | null {
    if (!task.image) {
      return `task "${task.task_name}" has no image for this node's platform and this node runs containers: register it with --image, or run a process-runtime node for its --command`
    }
    return gpuRefusal(task, this.opts.gpus, 'docker')
  }

  private async engine(): Promise<Docker> {
    this.docker ??= await connectDocker()
    return this.docker
  }

  async start(spec: InstanceSpec): Promise<RunningInstance> {
    const docker = await this.engine()
    const image = spec.task.image
    if (!(await hasImage(docker, image))) {
      let pull = this.pulls.get(image)
      if (!pull) {
        pull = pullImage(docker, image)
        this.pulls.set(image, pull)
        pull.catch(() => this.pulls.delete(image))
      }
      await pull
    }
    const options = containerOptions(spec, this.opts)
    const name = options.name!
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => {})
    let container: Docker.Container
    try {
      container = await docker.createContainer(options)
      await container.start()
    } catch (err) {
      spec.output?.end()
      throw (err as { statusCode?: number }).statusCode
        ? new Error(`container ${name}: ${(err as Error).message.split('\n')[0]}`)
        : dockerError(err as NodeJS.ErrnoException)
    }
    const followed = spec.output ? follow(docker, container, spec.output) : Promise.resolve()
    const exited: Promise<Exit> = container
      .wait()
      .then((r: { StatusCode?: number }) => ({ code: r.StatusCode ?? null, signal: null, output: '' }))
      .catch(() => ({ code: null, signal: null, output: '' }))
      .then(async (exit) => {
        if (exit.code !== 0) exit.output = await this.lastOutput(container)
        // The followed logs end with the container; their last lines are read before it is removed.
        await Promise.race([followed, new Promise((r) => setTimeout(r, 2_000).unref())])
        spec.output?.end()
        await container.remove({ force: true }).catch(() => {})
        return exit
      })
    return {
      exited,
      logPath: null,
      stop: async (timeoutMs) => {
        await container.stop({ t: Math.ceil(timeoutMs / 1000) }).catch(() => {})
        await exited
      },
    }
  }

  /** The container's last lines of output, read before it is removed (plus a note when it ran out of memory). */
  private async lastOutput(container: Docker.Container): Promise<string> {
    try {
      const body = (await container.logs({
        stdout: true,
        stderr: true,
        follow: false,
        tail: TAIL_LINES,
      })) as unknown as Buffer
      const text = lastLines(demuxDockerLogs(Buffer.from(body)))
      const oom = (await container.inspect()).State?.OOMKilled
      const note = `killed: out of memory (container_memory = ${this.opts.memoryMb} MB)`
      return oom ? lastLines(`${text}\n${note}`) : text
    } catch {
      return ''
    }
  }

  async cleanupLeftovers(nodeId: string): Promise<number> {
    let docker: Docker
    try {
      docker = await this.engine()
    } catch {
      return 0
    }
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${nodeId}`] } })
    const byName = await docker.listContainers({ all: true, filters: { name: [`-${nodeId}-`] } })
    const ids = new Set(
      [...leftovers, ...byName].filter((c) => c.Names.some((n) => n.startsWith('/idm-'))).map((c) => c.Id),
    )
    for (const id of ids)
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => {})
    return ids.size
  }
}

/** Follows a container's output (from its start) into the sink, stream by stream; resolves when it ends. */
async function follow(docker: Docker, container: Docker.Container, sink: OutputSink): Promise<void> {
  const to = (stream: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        sink.write(stream, chunk)
        done()
      },
    })
  try {
    const logs = (await container.logs({ follow: true, stdout: true, stderr: true })) as NodeJS.ReadableStream
    await new Promise<void>((resolve) => {
      docker.modem.demuxStream(logs, to('stdout'), to('stderr'))
      logs.on('end', resolve)
      logs.on('close', resolve)
      logs.on('error', () => resolve())
    })
  } catch {
    // No logs to follow (the container is already gone): its error tail still reaches the report.
  }
}
