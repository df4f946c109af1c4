// Which programs a process-runtime node may start. allowed_commands is resolved once, at start, to real files
// (a bare name through PATH); a task's program is resolved the same way and must be one of those files.
import { accessSync, constants, realpathSync, statSync } from 'node:fs'
import { delimiter, isAbsolute, resolve } from 'node:path'
import { splitArgv } from '../cluster/tasks.js'
import type { TaskConfig } from '../hub/protocol.js'
import { configError } from '../lib/errors.js'
import { SELF, selfArgv } from '../lib/self.js'

export interface AllowListOptions {
  /**
   * allowed_commands: bare names (looked up on PATH), absolute paths, or "*" for any program and the shell.
   * "gridcore" is gridcore's own worker (what `run --command` registers), run as this node's own gridcore.
   */
  commands: string[]
  /** allow_shell: accept `shell: true` tasks (run through /bin/sh -c). */
  allowShell: boolean
  /** PATH bare names resolve through (the node's own, which its instances inherit). */
  path?: string
  /** Where relative PATH entries resolve at start (the node's working directory). */
  cwd?: string
}

export interface AllowedProgram {
  /** As written in allowed_commands. */
  entry: string
  /** Its real path, or null when nothing was found (the entry then allows nothing). */
  real: string | null
}

/**
 * What to execute for a task, or why this node refuses it (one line naming the setting to change). An allowed
 * program is executed by its real path (so a link swapped after the check changes nothing), with `argv0` the path
 * it was found at (so multi-call binaries such as busybox still see the name they were called by).
 */
export type Verdict = { argv: string[]; argv0?: string } | { refused: string }

export class AllowList {
  readonly any: boolean
  readonly shell: boolean
  /** "gridcore" is listed: gridcore's own worker may run (with allow_shell: its filter is a shell line). */
  readonly self: boolean
  readonly programs: AllowedProgram[]
  private readonly path: string

  constructor(o: AllowListOptions) {
    this.path = o.path ?? process.env.PATH ?? ''
    const cwd = o.cwd ?? process.cwd()
    this.any = o.commands.includes('*')
    this.shell = this.any || o.allowShell
    this.self = o.commands.includes(SELF)
    this.programs = o.commands
      .filter((c) => c !== '*' && c !== SELF)
      .map((entry) => {
        if (!entry || (!isAbsolute(entry) && entry.includes('/'))) {
          throw configError(
            `allowed_commands entry "${entry}" must be a program name (looked up on PATH) or an absolute path`,
          )
        }
        const found = findProgram(entry, this.path, cwd)
        return { entry, real: found ? realpathSync(found) : null }
      })
  }

  /** Entries that name no program on this machine (worth a warning at start). */
  get missing(): string[] {
    return this.programs.filter((p) => !p.real).map((p) => p.entry)
  }

  /** Checks a task's program; `cwd` is where the instance runs (relative programs resolve against it). */
  check(task: TaskConfig, cwd: string): Verdict {
    const command = task.command
    if (command == null) return { refused: `task "${task.task_name}" has no command` }
    if (typeof command === 'string' && task.shell) {
      if (this.shell) return { argv: ['/bin/sh', '-c', command] }
      return {
        refused: `task "${task.task_name}" runs a shell command, which this node refuses: set allow_shell = true in gridnode.toml (or --allow-shell) to allow it`,
      }
    }
    let argv: string[]
    try {
      argv = Array.isArray(command) ? command : splitArgv(command)
    } catch (err) {
      return {
        refused: `task "${task.task_name}" has a command this node cannot split: ${(err as Error).message}`,
      }
    }
    const program = argv[0]
    if (!program) return { refused: `task "${task.task_name}" has an empty command` }
    if (program === SELF) return this.checkSelf(task.task_name, argv)
    if (this.any) return { argv }
    if (!this.programs.length) {
      return {
        refused: this.self
          ? `command "${program}" is not allowed: this node's allowed_commands lists only gridcore (its worker): add the program to allowed_commands in gridnode.toml (or --allow-command)`
          : 'this node allows no commands (allowed_commands is empty in gridnode.toml): list the programs it may run (or --allow-command), or ["*"] for any',
      }
    }
    const found = findProgram(program, this.path, cwd)
    if (!found) {
      return {
        refused: `command "${program}" is not an executable file on this node (${program.includes('/') ? `resolved against ${cwd}` : 'looked up on PATH'}): install it, or register the task with the path of an allowed program`,
      }
    }
    const real = realpathSync(found)
    if (this.programs.some((p) => p.real === real)) return { argv: [real, ...argv.slice(1)], argv0: found }
    const allowed = this.programs.map((p) => `${p.entry} = ${p.real ?? 'not found'}`).join(', ')
    return {
      refused: `command "${program}" (${real}) is not in this node's allowed_commands (${allowed}): add its path to allowed_commands in gridnode.toml (or --allow-command)`,
    }
  }

  /**
   * A command that starts with a bare `gridcore` runs as this node's own gridcore (its Node.js and its CLI entry,
   * whatever PATH holds). Listing "gridcore" allows its worker only (`gridcore worker`, what `run --command`
   * registers), and since the worker's filter is a shell command line, only with allow_shell as well.
   */
  private checkSelf(name: string, argv: string[]): Verdict {
    if (this.any) return { argv: selfArgv(argv.slice(1)) }
    const how =
      'allow it with --allow-command gridcore --allow-shell (in gridnode.toml: allowed_commands = ["gridcore"] and allow_shell = true; its filter is a shell command line), or any program with allowed_commands = ["*"]'
    if (!this.self)
      return {
        refused: `task "${name}" runs gridcore's worker (gridcore run --command), which this node does not allow: ${how}`,
      }
    if (argv[1] !== 'worker')
      return {
        refused: `task "${name}" runs "gridcore ${argv[1] ?? ''}": allowed_commands "gridcore" allows only gridcore's worker (gridcore run --command)`,
      }
    if (!this.shell)
      return {
        refused: `task "${name}" runs gridcore's worker, whose filter is a shell command line, and this node refuses shell commands: ${how}`,
      }
    return { argv: selfArgv(argv.slice(1)) }
  }
}

/**
 * The file a program name executes, as execvp would find it: a name with a slash resolves against `cwd`,
 * a bare name through PATH (an empty or relative PATH entry resolves against `cwd`). Undefined when none.
 */
export function findProgram(program: string, path: string, cwd: string): string | undefined {
  if (program.includes('/')) {
    const p = resolve(cwd, program)
    return executable(p) ? p : undefined
  }
  for (const dir of path.split(delimiter)) {
    const p = resolve(cwd, dir || '.', program)
    if (executable(p)) return p
  }
  return undefined
}

function executable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}
