// Keeps `parallelism` instances of the current task running: restarts with capped backoff, switches tasks
// (stop within stop_timeout, then start the next), derives the node's Running / Idle / Error status and keeps
// the latest error report of the task (what the failing instance printed last).
import { setTimeout as delay } from 'node:timers/promises'
import type { RuntimeErrorReport, RuntimeStatus, TaskConfig } from '../hub/protocol.js'
import type { Logger } from '../lib/logger.js'
import { type Exit, instanceEnv, type RunningInstance, type Runtime, StartError } from './runtime.js'

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
  private readonly errors = new Map<number, string>()
  private taskError: string | null = null
  private report: RuntimeErrorReport | null = null
  private failed = 0
  private cleanExitLogged = false
  private readonly slots: Promise<void>[] = []

  constructor(private readonly o: SupervisorOptions) {}

  get active(): number {
    return this.running.size
  }

  get currentTask(): TaskConfig | null {
    return this.task
  }

  status(): SupervisorStatus {
    const reason = this.taskError ?? [...this.errors.values()][0] ?? null
    const status = reason ? 'Error' : this.running.size > 0 ? 'Running' : 'Idle'
    return { status, reason, error: this.report }
  }

  /**
   * Switches to a task (or to none): stops the current instances first. `extraEnv` goes to its instances beside the
   * upstream variables (gridcore's own additions, e.g. the direct Redis URL for the run --command worker).
   */
  async setTask(task: TaskConfig | null, extraEnv: Record<string, string> = {}): Promise<void> {
    this.run.abort()
    const run = new AbortController()
    this.run = run
    await this.stopInstances()
    if (run.signal.aborted) return
    this.task = task
    this.errors.clear()
    this.taskError = null
    this.report = null
    this.failed = 0
    this.cleanExitLogged = false
    if (!task) {
      this.o.onChange?.()
      return
    }
    const reason = this.o.runtime.cannotRun(task)
    if (reason) {
      this.taskError = reason
      // None of its instances can start here: each counts as failed to start.
      this.setReport(task, { message: reason, failed: this.o.parallelism })
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
    this.o.logger.info(`starting ${this.o.parallelism} instance(s) of task '${task.task_name}'`, {
      task: task.task_name,
      runtime: this.o.runtime.name,
    })
    for (let i = 0; i < this.o.parallelism; i++) this.slots.push(this.runSlot(i, task, extraEnv, run.signal))
    this.o.onChange?.()
  }

  /** Stops every instance (graceful, then forced after stop_timeout). */
  async stopAll(): Promise<void> {
    this.run.abort()
    await this.stopInstances()
    this.task = null
  }

  private async stopInstances(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.stop(this.o.stopTimeoutMs)))
    await Promise.all(this.slots.splice(0))
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
    while (!signal.aborted) {
      let inst: RunningInstance
      try {
        inst = await this.o.runtime.start({
          task,
          nodeId: this.o.nodeId,
          instance: i,
          env: { ...instanceEnv(task, this.o.nodeId, i), ...extraEnv },
        })
      } catch (err) {
        if (signal.aborted) return
        failures++
        const msg = (err as Error).message
        if (this.errors.get(i) !== msg)
          log.error(`instance ${i} of '${task.task_name}' could not start: ${msg}`, where)
        this.errors.set(i, msg)
        this.failed++
        this.setReport(task, { message: msg, logPath: err instanceof StartError ? err.logPath : null })
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
        if (this.errors.delete(i)) {
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
        this.errors.delete(i)
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
        this.failed++
        this.exited(task, i, exit, inst.logPath)
        wait = backoff(failures, maxBackoff)
      }
      this.o.onChange?.()
      await pause(wait, signal)
    }
  }

  /** Records and logs an instance that exited non-zero or was killed. */
  private exited(task: TaskConfig, i: number, exit: Exit, logPath: string | null): void {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
    const last = exit.output.split('\n').at(-1)?.slice(0, 300)
    const detail = `exited with ${how}${last ? `: ${last}` : ''}`
    this.errors.set(i, `instance ${i} ${detail}`)
    this.setReport(task, {
      message: exit.output || `instance ${i} exited with ${how} and printed nothing`,
      exit,
      logPath,
    })
    this.o.logger.warn(`instance ${i} of '${task.task_name}' ${detail}`, {
      task: task.task_name,
      instance: i,
      code: exit.code,
      signal: exit.signal,
      ...(logPath ? { log: logPath } : {}),
    })
  }

  private setReport(
    task: TaskConfig,
    r: { message: string; exit?: Exit; logPath?: string | null; failed?: number },
  ): void {
    this.report = {
      task: task.task_name,
      message: r.message,
      exit_code: r.exit?.code ?? null,
      signal: r.exit?.signal ?? null,
      failed_instances: r.failed ?? this.failed,
      log_path: r.logPath ?? null,
      at: new Date().toISOString(),
    }
  }
}

/** Sleeps `ms`, or less when the signal aborts (the task changed or the node stops). */
const pause = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal }).catch(() => {})

/** 0.5 s, 1 s, 2 s, 4 s … up to the cap. */
export function backoff(failures: number, cap: number): number {
  return Math.min(cap, 250 * 2 ** Math.max(1, failures))
}
