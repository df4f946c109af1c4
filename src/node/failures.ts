// What went wrong with the current task's instances on this node: each failing instance's one-line reason (the
// node is in Error while any is set) and the latest error report (what the failing instance printed last).
import type { RuntimeErrorReport, TaskConfig } from '../hub/protocol.js'
import type { Logger } from '../lib/logger.js'
import { redactText } from '../lib/redact.js'
import type { Exit } from './runtime.js'

export class TaskFailures {
  /** Why the task cannot run here at all (cannotRun), or null. */
  taskError: string | null = null
  report: RuntimeErrorReport | null = null
  private readonly errors = new Map<number, string>()
  /** Instances of the task that exited non-zero or failed to start so far. */
  private failed = 0

  /** A new task: nothing failed yet. */
  reset(): void {
    this.errors.clear()
    this.taskError = null
    this.report = null
    this.failed = 0
  }

  /** One line: why the node is in Error, or null. */
  reason(): string | null {
    return this.taskError ?? [...this.errors.values()][0] ?? null
  }

  /** None of the task's `count` instances can start here. */
  refused(task: TaskConfig, reason: string, count: number): void {
    this.taskError = reason
    this.setReport(task, { message: reason, failed: count })
  }

  /** Instance i could not start; true when the reason is new for it (worth a log line). */
  startFailed(task: TaskConfig, i: number, message: string, logPath: string | null): boolean {
    const fresh = this.errors.get(i) !== message
    this.errors.set(i, message)
    this.failed++
    this.setReport(task, { message, logPath })
    return fresh
  }

  /** Instance i exited non-zero or was killed: recorded and logged, its output's `secrets` masked as ***. */
  exited(
    task: TaskConfig,
    i: number,
    raw: Exit,
    logPath: string | null,
    log: Logger,
    secrets: readonly string[] = [],
  ): void {
    const exit = { ...raw, output: redactText(raw.output, secrets) }
    this.failed++
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
    const last = exit.output.split('\n').at(-1)?.slice(0, 300)
    const detail = `exited with ${how}${last ? `: ${last}` : ''}`
    this.errors.set(i, `instance ${i} ${detail}`)
    this.setReport(task, {
      message: exit.output || `instance ${i} exited with ${how} and printed nothing`,
      exit,
      logPath,
    })
    log.warn(`instance ${i} of '${task.task_name}' ${detail}`, {
      task: task.task_name,
      instance: i,
      code: exit.code,
      signal: exit.signal,
      ...(logPath ? { log: logPath } : {}),
    })
  }

  /** Instance i is fine again (healthy for a while, exited 0, or no longer run); true when it had failed. */
  clear(i: number): boolean {
    return this.errors.delete(i)
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
