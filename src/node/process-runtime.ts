// The process runtime (execa): runs a task's `command` as local processes, for machines without Docker.
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { Capability, TaskConfig } from '../hub/protocol.js'
import { AllowList } from './allow-list.js'
import { gpuRefusal } from './gpus.js'
import { InstanceRecord, killGroup, stopLeftoverInstances } from './instance-record.js'
import { CappedLog } from './log-file.js'
import { OutputTail } from './output-tail.js'
import { type Exit, type InstanceSpec, type RunningInstance, type Runtime, StartError } from './runtime.js'

export interface ProcessRuntimeOptions {
  /** allowed_commands: [] refuses all, ["*"] allows any program and the shell. */
  allowedCommands: string[]
  /** allow_shell: accept `shell: true` tasks. */
  allowShell: boolean
  /** Directory for instance logs and the record of this node's running instances. */
  stateDir: string
  /** Between SIGTERM and SIGKILL for instances an earlier crash of this node left (default 5 s). */
  leftoverGraceMs?: number
}

export class ProcessRuntime implements Runtime {
  readonly name = 'process' as const
  /** allowed_commands as resolved at start. */
  readonly allow: AllowList
  private record?: InstanceRecord
  private readonly stateDir: string

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.stateDir = resolve(opts.stateDir)
    mkdirSync(join(this.stateDir, 'logs'), { recursive: true })
    this.allow = new AllowList({ commands: opts.allowedCommands, allowShell: opts.allowShell })
  }

  capabilities(): Capability[] {
    return ['command']
  }

  cannotRun(task: TaskConfig): string | null {
    if (task.command == null) {
      return `task "${task.task_name}" has only an image and this node runs local processes: register it with --command, or run a node with the docker runtime`
    }
    const v = this.allow.check(task, cwdOf(task))
    return 'refused' in v ? v.refused : gpuRefusal(task, undefined, 'process')
  }

  async start(spec: InstanceSpec): Promise<RunningInstance> {
    const cwd = cwdOf(spec.task)
    const v = this.allow.check(spec.task, cwd)
    if ('refused' in v) throw new StartError(v.refused)
    const { argv, argv0 } = v
    const { execa } = await import('execa')
    const logPath = join(this.stateDir, 'logs', `${safe(spec.task.task_name)}-${spec.instance}.log`)
    const log = new CappedLog(logPath)
    const tail = new OutputTail()
    log.write(
      `[gridcore ${new Date().toISOString()}] start: ${[argv0 ?? argv[0], ...argv.slice(1)].join(' ')}\n`,
    )
    const child = execa(argv[0]!, argv.slice(1), {
      argv0,
      env: spec.env,
      extendEnv: true,
      cwd,
      detached: true,
      reject: false,
      stdin: 'ignore',
      buffer: false,
      cleanup: true,
    })
    const out = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
      log.write(d)
      tail.write(d)
      spec.output?.write(stream, d)
    }
    child.stdout?.on('data', out('stdout'))
    child.stderr?.on('data', out('stderr'))
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!))
      child.once('error', reject)
    }).catch((err: Error) => {
      log.write(`[gridcore] could not start: ${err.message}\n`)
      log.close()
      spec.output?.end()
      throw new StartError(`could not start ${argv0 ?? argv[0]}: ${err.message}`, logPath)
    })
    this.record ??= new InstanceRecord(this.stateDir, spec.nodeId)
    this.record.add({ pid, task: spec.task.task_name, instance: spec.instance, log_path: logPath })
    const exited: Promise<Exit> = child.then((r) => {
      this.record?.remove(pid)
      const exit = { code: r.exitCode ?? null, signal: r.signal ?? null, output: tail.text() }
      log.write(`[gridcore ${new Date().toISOString()}] exit: ${exit.signal ?? exit.code}\n`)
      log.close()
      spec.output?.end()
      return exit
    })
    return {
      exited,
      logPath,
      stop: async (timeoutMs) => {
        killGroup(pid, 'SIGTERM')
        const timer = new AbortController()
        const done = await Promise.race([
          exited.then(() => true),
          delay(timeoutMs, false, { signal: timer.signal }).catch(() => true),
        ])
        timer.abort()
        if (!done) {
          killGroup(pid, 'SIGKILL')
          await exited
        }
      },
    }
  }

  /** Stops the process groups an earlier run of this node left (it crashed or was SIGKILLed). */
  async cleanupLeftovers(nodeId: string): Promise<number> {
    const stopped = await stopLeftoverInstances(this.stateDir, {
      nodeId,
      graceMs: this.opts.leftoverGraceMs ?? 5_000,
    })
    return stopped.length
  }
}

/** Where a task's instances run: its cwd when that exists on this node, else the node's own. */
function cwdOf(task: TaskConfig): string {
  return task.cwd && existsSync(task.cwd) ? resolve(task.cwd) : process.cwd()
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-')
