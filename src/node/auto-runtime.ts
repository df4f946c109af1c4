// runtime = "auto": one node that runs command tasks as local processes and image tasks as Docker containers
// (when an engine answers), so a local cluster runs whatever gridcore run gives it.
import type { Capability, TaskConfig } from '../hub/protocol.js'
import type { DockerRuntime } from './docker-runtime.js'
import type { ProcessRuntime } from './process-runtime.js'
import type { InstanceSpec, RunningInstance, Runtime } from './runtime.js'

export class AutoRuntime implements Runtime {
  readonly name = 'auto' as const

  constructor(
    private readonly processes: ProcessRuntime,
    private readonly docker?: DockerRuntime,
  ) {}

  /** Commands always; images only when a Docker engine answered at start. */
  capabilities(): Capability[] {
    return this.docker ? ['command', 'image'] : ['command']
  }

  /** Commands run as processes; a GPU task that has an image runs it in a container when an engine answers. */
  private pick(task: TaskConfig): Runtime | undefined {
    if (task.gpus !== undefined && task.image && this.docker) return this.docker
    return task.command != null ? this.processes : this.docker
  }

  cannotRun(task: TaskConfig): string | null {
    const r = this.pick(task)
    if (!r) {
      return `task "${task.task_name}" has only an image and no Docker engine answers on this node: start Docker, or register the task with --command`
    }
    return r.cannotRun(task)
  }

  start(spec: InstanceSpec): Promise<RunningInstance> {
    const r = this.pick(spec.task)
    if (!r) return Promise.reject(new Error(this.cannotRun(spec.task)!))
    return r.start(spec)
  }

  async cleanupLeftovers(nodeId: string): Promise<number> {
    return (
      (await this.processes.cleanupLeftovers(nodeId)) +
      (this.docker ? await this.docker.cleanupLeftovers(nodeId) : 0)
    )
  }
}
