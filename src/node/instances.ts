// Keeps `parallelism` instances of the current task running: restarts with capped backoff, switches tasks
// (stop within stop_timeout, then start the next), and derives the node's Running / Idle / Error status.
import type { RuntimeStatus, TaskConfig } from '../hub/protocol.js'
import type { Logger } from '../lib/logger.js'
import { instanceEnv, type RunningInstance, type Runtime } from './runtime.js'

export interface SupervisorOptions {
  runtime: Runtime
  nodeId: string
  parallelism: number
  stopTimeoutMs: number
  logger: Logger
  /** Called before a task's instances start (recovery of this node's old processing lists). */
  beforeStart?: (task: TaskConfig) => Promise<void>
  /** Called whenever status or the active count changes (to heartbeat promptly). */
  onChange?: () => void
  /** An instance that stayed up this long is healthy again (clears Error). */
  healthyAfterMs?: number
  maxBackoffMs?: number
}

export class Supervisor {
  private generation = 0
  private task: TaskConfig | null = null
  private readonly running = new Map<number, RunningInstance>()
  private readonly errors = new Map<number, string>()
  private taskError: string | null = null
  private readonly slots: Promise<void>[] = []
  private wake: (() => void)[] = []

  constructor(private readonly o: SupervisorOptions) {}

  get active(): number {
    return this.running.size
  }

  get currentTask(): TaskConfig | null {
    return this.task
  }

  status(): { status: RuntimeStatus; reason: string | null } {
    const reason = this.taskError ?? [...this.errors.values()][0] ?? null
    if (reason) return { status: 'Error', reason }
    return { status: this.running.size > 0 ? 'Running' : 'Idle', reason: null }
  }

  /** Switches to a task (or to none): stops the current instances first. */
  async setTask(task: TaskConfig | null): Promise<void> {
    const gen = ++this.generation
    await this.stopInstances()
    if (gen !== this.generation) return
    this.task = task
    this.errors.clear()
    this.taskError = null
    if (!task) {
      this.o.onChange?.()
      return
    }
    const reason = this.o.runtime.cannotRun(task)
    if (reason) {
      this.taskError = reason
      this.o.logger.error(`cannot run task '${task.task_name}': ${reason}`, { task: task.task_name })
      this.o.onChange?.()
      return
    }
    await this.o.beforeStart?.(task).catch((err: Error) =>
      this.o.logger.warn(`could not recover this node's unfinished items: ${err.message}`, {
        task: task.task_name,
      }),
    )
    if (gen !== this.generation) return
    this.o.logger.info(`starting ${this.o.parallelism} instance(s) of task '${task.task_name}'`, {
      task: task.task_name,
      runtime: this.o.runtime.name,
    })
    for (let i = 0; i < this.o.parallelism; i++) this.slots.push(this.runSlot(i, gen, task))
    this.o.onChange?.()
  }

  /** Stops every instance (graceful, then forced after stop_timeout). */
  async stopAll(): Promise<void> {
    this.generation++
    await this.stopInstances()
    this.task = null
  }

  private async stopInstances(): Promise<void> {
    const wakers = this.wake
    this.wake = []
    for (const w of wakers) w()
    await Promise.all([...this.running.values()].map((r) => r.stop(this.o.stopTimeoutMs)))
    await Promise.all(this.slots.splice(0))
    this.running.clear()
  }

  private async runSlot(i: number, gen: number, task: TaskConfig): Promise<void> {
    const healthyAfter = this.o.healthyAfterMs ?? 5_000
    const maxBackoff = this.o.maxBackoffMs ?? 30_000
    let failures = 0
    const log = this.o.logger
    while (gen === this.generation) {
      let inst: RunningInstance
      try {
        inst = await this.o.runtime.start({
          task,
          nodeId: this.o.nodeId,
          instance: i,
          env: instanceEnv(task, this.o.nodeId, i),
        })
      } catch (err) {
        failures++
        const msg = (err as Error).message
        if (this.errors.get(i) !== msg)
          log.error(`instance ${i} of '${task.task_name}' could not start: ${msg}`, {
            task: task.task_name,
            instance: i,
          })
        this.errors.set(i, msg)
        this.o.onChange?.()
        await this.pause(backoff(failures, maxBackoff), gen)
        continue
      }
      if (gen !== this.generation) {
        await inst.stop(this.o.stopTimeoutMs)
        return
      }
      this.running.set(i, inst)
      this.o.onChange?.()
      const startedAt = Date.now()
      const healthy = setTimeout(() => {
        if (this.errors.delete(i)) {
          log.info(`instance ${i} of '${task.task_name}' is healthy again`, {
            task: task.task_name,
            instance: i,
          })
          this.o.onChange?.()
        }
        failures = 0
      }, healthyAfter)
      const exit = await inst.exited
      clearTimeout(healthy)
      this.running.delete(i)
      if (gen !== this.generation) return
      const lived = Date.now() - startedAt
      const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
      if (exit.code === 0) {
        this.errors.delete(i)
        log.info(`instance ${i} of '${task.task_name}' exited with code 0`, {
          task: task.task_name,
          instance: i,
          code: 0,
        })
        failures = lived >= healthyAfter ? 1 : failures + 1
      } else {
        failures++
        this.errors.set(i, `instance ${i} exited with ${how}`)
        log.warn(`instance ${i} of '${task.task_name}' exited with ${how}`, {
          task: task.task_name,
          instance: i,
          code: exit.code,
          signal: exit.signal,
        })
      }
      this.o.onChange?.()
      await this.pause(backoff(failures, maxBackoff), gen)
    }
  }

  /** Sleeps, but wakes at once when the task changes or the node stops. */
  private pause(ms: number, gen: number): Promise<void> {
    if (gen !== this.generation) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        this.wake = this.wake.filter((x) => x !== done)
        resolve()
      }
      const t = setTimeout(done, ms)
      this.wake.push(done)
    })
  }
}

/** 0.5 s, 1 s, 2 s, 4 s … up to the cap. */
export function backoff(failures: number, cap: number): number {
  return Math.min(cap, 250 * 2 ** Math.max(1, failures))
}
