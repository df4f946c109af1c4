// Keeps `parallelism` instances of the current task running: restarts with capped backoff, switches tasks
// (stop within stop_timeout, then start the next), changes the count while running (adaptive parallelism), derives
// the node's Running / Idle / Error status and keeps the latest error report of the task.
import { setTimeout as delay } from 'node:timers/promises'
import type { RuntimeErrorReport, RuntimeStatus, TaskConfig } from '../hub/protocol.js'
import type { Logger } from '../lib/logger.js'
import { urlPasswords } from '../lib/redact.js'
import { TaskFailures } from './failures.js'
import type { LogBuffer } from './log-buffer.js'
import { instanceEnv, type RunningInstance, type Runtime, StartError } from './runtime.js'

export interface SupervisorOptions {
  runtime: Runtime
  nodeId: string
  parallelism: number
  stopTimeoutMs: number
  logger: Logger
  /** Called before a task's instances start (recovery of this node's old processing lists). */
  beforeStart?: (task: TaskConfig) => Promise<void>
  /** Called whenever status, the active count or the error report changes (to heartbeat promptly). */
  onChange?: () => void
  /** An instance that stayed up this long is healthy again (clears Error). Default 5 s. */
  healthyAfterMs?: number
  /** Cap of the pause before restarting an instance that failed. Default 30 s. */
  maxBackoffMs?: number
  /** Pause before restarting an instance that exited 0: `baseMs`, doubling per exit in a row, up to `maxMs`. */
  cleanExitBackoff?: { baseMs: number; maxMs: number }
  /** Where instances' output lines go for the hub (remote logs). */
  logs?: LogBuffer
}

/** The task whose instances run, as they were started: new slots (a raised count) start the same way. */
interface Launch {
  task: TaskConfig
  extraEnv: Record<string, string>
  signal: AbortSignal
}

export interface SupervisorStatus {
  status: RuntimeStatus
  /** One line: why the node is in Error. */
  reason: string | null
  /** The latest failure of the current task's instances, kept until the task changes. */
  error: RuntimeErrorReport | null
}

export const CLEAN_EXIT_BACKOFF = { baseMs: 1_000, maxMs: 60_000 }

export class Supervisor {
  /** Aborted when the task changes or the node stops: ends the slots' loops and their pauses. */
  private run = new AbortController()
  private task: TaskConfig | null = null
  private readonly running = new Map<number, RunningInstance>()
  private readonly failures = new TaskFailures()
  private cleanExitLogged = false
  private readonly slots = new Map<number, { done: Promise<void>; stop: AbortController }>()
  private launch: Launch | null = null
  private count: number
  private resizing: Promise<void> = Promise.resolve()

  constructor(private readonly o: SupervisorOptions) {
    this.count = o.parallelism
  }

  get active(): number {
    return this.running.size
  }

  /** The number of instances the task runs with (changed by setParallelism). */
  get parallelism(): number {
    return this.count
  }

  get currentTask(): TaskConfig | null {
    return this.task
  }

  status(): SupervisorStatus {
    const reason = this.failures.reason()
    const status = reason ? 'Error' : this.running.size > 0 ? 'Running' : 'Idle'
    return { status, reason, error: this.failures.report }
  }

  /**
   * Switches to a task (or to none): stops the current instances first. `extraEnv` goes to its instances beside the
   * upstream variables (gridcore's own additions, e.g. the direct Redis URL for the run --command worker).
   */
  async setTask(task: TaskConfig | null, extraEnv: Record<string, string> = {}): Promise<void> {
    this.run.abort()
    const run = new AbortController()
    this.run = run
    this.launch = null
    await this.stopInstances()
    if (run.signal.aborted) return
    this.task = task
    this.failures.reset()
    this.cleanExitLogged = false
    if (!task) {
      this.o.onChange?.()
      return
    }
    const reason = this.o.runtime.cannotRun(task)
    if (reason) {
      // None of its instances can start here: each counts as failed to start.
      this.failures.refused(task, reason, this.count)
      this.o.logger.error(`cannot run task '${task.task_name}': ${reason}`, { task: task.task_name })
      this.o.onChange?.()
      return
    }
    await this.o.beforeStart?.(task).catch((err: Error) =>
      this.o.logger.warn(`could not recover this node's unfinished items: ${err.message}`, {
        task: task.task_name,
      }),
    )
    if (run.signal.aborted) return
    this.o.logger.info(`starting ${this.count} instance(s) of task '${task.task_name}'`, {
      task: task.task_name,
      runtime: this.o.runtime.name,
    })
    this.launch = { task, extraEnv, signal: run.signal }
    for (let i = 0; i < this.count; i++) this.startSlot(i, this.launch)
    this.o.onChange?.()
  }

  /**
   * Runs `n` instances from now on: raising starts the new ones at once, lowering stops the highest-numbered ones
   * gracefully (SIGTERM, then SIGKILL after stop_timeout). Calls are applied one after the other.
   */
  setParallelism(n: number): Promise<void> {
    this.resizing = this.resizing.then(async () => {
      const before = this.count
      this.count = n
      const launch = this.launch
      if (!launch || launch.signal.aborted || n === before) return
      if (n > before) for (let i = before; i < n; i++) this.startSlot(i, launch)
      else await Promise.all(Array.from({ length: before - n }, (_, k) => this.stopSlot(n + k)))
      this.o.onChange?.()
    })
    return this.resizing
  }

  private startSlot(i: number, launch: Launch): void {
    const stop = new AbortController()
    const signal = AbortSignal.any([launch.signal, stop.signal])
    this.slots.set(i, { done: this.runSlot(i, launch.task, launch.extraEnv, signal), stop })
  }

  private async stopSlot(i: number): Promise<void> {
    const slot = this.slots.get(i)
    if (!slot) return
    slot.stop.abort()
    await this.running.get(i)?.stop(this.o.stopTimeoutMs)
    await slot.done
    if (this.slots.get(i) === slot) this.slots.delete(i)
    this.failures.clear(i)
  }

  /** Stops every instance (graceful, then forced after stop_timeout). */
  async stopAll(): Promise<void> {
    this.run.abort()
    this.launch = null
    await this.stopInstances()
    this.task = null
  }

  private async stopInstances(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.stop(this.o.stopTimeoutMs)))
    await Promise.all([...this.slots.values()].map((s) => s.done))
    this.slots.clear()
    this.running.clear()
  }

  private async runSlot(
    i: number,
    task: TaskConfig,
    extraEnv: Record<string, string>,
    signal: AbortSignal,
  ): Promise<void> {
    const healthyAfter = this.o.healthyAfterMs ?? 5_000
    const maxBackoff = this.o.maxBackoffMs ?? 30_000
    const clean = this.o.cleanExitBackoff ?? CLEAN_EXIT_BACKOFF
    const log = this.o.logger
    const where = { task: task.task_name, instance: i }
    let failures = 0
    let cleanExits = 0
    const secrets = taskSecrets(task, extraEnv)
    while (!signal.aborted) {
      let inst: RunningInstance
      try {
        inst = await this.o.runtime.start({
          task,
          nodeId: this.o.nodeId,
          instance: i,
          env: { ...instanceEnv(task, this.o.nodeId, i), ...extraEnv },
          output: this.o.logs?.sink(task.task_name, i, secrets),
        })
      } catch (err) {
        if (signal.aborted) return
        failures++
        const msg = (err as Error).message
        if (this.failures.startFailed(task, i, msg, err instanceof StartError ? err.logPath : null))
          log.error(`instance ${i} of '${task.task_name}' could not start: ${msg}`, where)
        this.o.onChange?.()
        await pause(backoff(failures, maxBackoff), signal)
        continue
      }
      if (signal.aborted) {
        await inst.stop(this.o.stopTimeoutMs)
        return
      }
      this.running.set(i, inst)
      this.o.onChange?.()
      const startedAt = Date.now()
      const healthy = setTimeout(() => {
        if (this.failures.clear(i)) {
          log.info(`instance ${i} of '${task.task_name}' is healthy again`, where)
          this.o.onChange?.()
        }
        failures = 0
      }, healthyAfter)
      const exit = await inst.exited
      clearTimeout(healthy)
      this.running.delete(i)
      if (signal.aborted) return
      let wait: number
      if (exit.code === 0) {
        this.failures.clear(i)
        // An instance that worked for as long as the longest pause starts the growth again.
        cleanExits = Date.now() - startedAt >= clean.maxMs ? 1 : cleanExits + 1
        wait = Math.min(clean.maxMs, clean.baseMs * 2 ** (cleanExits - 1))
        if (!this.cleanExitLogged) {
          this.cleanExitLogged = true
          log.info(
            `instance ${i} of '${task.task_name}' exited with code 0; instances that exit 0 are restarted after a pause growing to ${clean.maxMs / 1000} s (said once per task)`,
            { ...where, code: 0 },
          )
        }
      } else {
        cleanExits = 0
        failures++
        this.failures.exited(task, i, exit, inst.logPath, log, secrets)
        wait = backoff(failures, maxBackoff)
      }
      this.o.onChange?.()
      await pause(wait, signal)
    }
  }
}

/** The Redis passwords a task's instances are given (upstream URLs and gridcore's direct ones), kept out of logs. */
function taskSecrets(task: TaskConfig, extraEnv: Record<string, string>): string[] {
  return [task.input_redis, task.output_redis, ...Object.values(extraEnv)].flatMap(urlPasswords)
}

/** Sleeps `ms`, or less when the signal aborts (the task changed or the node stops). */
const pause = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => {})

/** 0.5 s, 1 s, 2 s, 4 s … up to the cap. */
export function backoff(failures: number, cap: number): number {
  return Math.min(cap, 250 * 2 ** Math.max(1, failures))
}
