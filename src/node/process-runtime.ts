// The process runtime (execa): runs a task's `command` as local processes, for machines without Docker.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { splitArgv } from '../cluster/tasks.js'
import type { TaskConfig } from '../hub/protocol.js'
import { writeFileAtomic } from '../lib/fs.js'
import { startTimeOf } from '../lib/proc.js'
import { CappedLog } from './log-file.js'
import type { Exit, InstanceSpec, RunningInstance, Runtime } from './runtime.js'

export interface ProcessRuntimeOptions {
  allowedCommands: string[]
  /** Directory for instance logs and the pid file of this node's children. */
  stateDir: string
}

interface PidRecord {
  pid: number
  start: string
}

export class ProcessRuntime implements Runtime {
  readonly name = 'process' as const
  private readonly pids = new Map<number, PidRecord>()
  private nodeId = 'node'

  constructor(private readonly opts: ProcessRuntimeOptions) {
    mkdirSync(join(opts.stateDir, 'logs'), { recursive: true })
  }

  cannotRun(task: TaskConfig): string | null {
    if (task.command == null) {
      return `task "${task.task_name}" has only an image and this node runs local processes: register it with --command, or run a node with the docker runtime`
    }
    const allowed = this.opts.allowedCommands
    if (allowed.includes('*')) return null
    if (!allowed.length) {
      return 'this node allows no commands (allowed_commands is empty in gridnode.toml): list the programs it may run, or ["*"] for any'
    }
    if (typeof task.command === 'string' && task.shell) {
      return 'the task runs a shell command, which only a node with allowed_commands = ["*"] accepts'
    }
    const program = this.argv(task)[0]!
    if (allowed.includes(program) || allowed.includes(basename(program))) return null
    return `command "${program}" is not in this node's allowed_commands (${allowed.join(', ')}): add it to gridnode.toml`
  }

  async start(spec: InstanceSpec): Promise<RunningInstance> {
    const { execa } = await import('execa')
    const reason = this.cannotRun(spec.task)
    if (reason) throw new Error(reason)
    const argv =
      spec.task.shell && typeof spec.task.command === 'string'
        ? ['/bin/sh', '-c', spec.task.command]
        : this.argv(spec.task)
    const log = new CappedLog(
      join(this.opts.stateDir, 'logs', `${safe(spec.task.task_name)}-${spec.instance}.log`),
    )
    log.write(`[gridcore ${new Date().toISOString()}] start: ${argv.join(' ')}\n`)
    const cwd = spec.task.cwd && existsSync(spec.task.cwd) ? spec.task.cwd : undefined
    const child = execa(argv[0]!, argv.slice(1), {
      env: spec.env,
      extendEnv: true,
      cwd,
      detached: true,
      reject: false,
      stdin: 'ignore',
      buffer: false,
      cleanup: true,
    })
    child.stdout?.on('data', (d: Buffer) => log.write(d))
    child.stderr?.on('data', (d: Buffer) => log.write(d))
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid!))
      child.once('error', reject)
    }).catch((err: Error) => {
      log.write(`[gridcore] could not start: ${err.message}\n`)
      log.close()
      throw new Error(`could not start ${argv[0]}: ${err.message}`)
    })
    this.remember(pid)
    const exited: Promise<Exit> = child.then((r) => {
      this.forget(pid)
      const exit = { code: r.exitCode ?? null, signal: r.signal ?? null }
      log.write(`[gridcore ${new Date().toISOString()}] exit: ${exit.signal ?? exit.code}\n`)
      log.close()
      return exit
    })
    return {
      exited,
      stop: async (timeoutMs) => {
        killGroup(pid, 'SIGTERM')
        const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)])
        if (!done) {
          killGroup(pid, 'SIGKILL')
          await exited
        }
      },
    }
  }

  /** Kills process groups this node started before a crash (recorded with their start times). */
  async cleanupLeftovers(nodeId: string): Promise<number> {
    this.nodeId = nodeId
    let killed = 0
    for (const rec of this.readPids()) {
      if (startTimeOf(rec.pid) === rec.start) {
        killGroup(rec.pid, 'SIGKILL')
        killed++
      }
    }
    this.savePids()
    return killed
  }

  private argv(task: TaskConfig): string[] {
    return Array.isArray(task.command) ? task.command : splitArgv(task.command ?? '')
  }

  private get pidFile(): string {
    return join(this.opts.stateDir, `${safe(this.nodeId)}.pids.json`)
  }

  private readPids(): PidRecord[] {
    try {
      return JSON.parse(readFileSync(this.pidFile, 'utf8')) as PidRecord[]
    } catch {
      return []
    }
  }

  private remember(pid: number): void {
    this.pids.set(pid, { pid, start: startTimeOf(pid) ?? '' })
    this.savePids()
  }

  private forget(pid: number): void {
    this.pids.delete(pid)
    this.savePids()
  }

  private savePids(): void {
    writeFileAtomic(this.pidFile, JSON.stringify([...this.pids.values()]), { mode: 0o600 })
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {}
  }
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
