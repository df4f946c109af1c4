// Detached daemons for a local cluster: start with pid + log file, recognise them later (start time, command
// line), find a process that uses one of our files, and never signal a process gridcore did not start.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { sameProcess } from '../cluster/local-processes.js'
import { alive, cmdlineOf, startTimeOf } from '../lib/proc.js'

export interface Daemon {
  pid: number
  /** The command line as the OS reports it, recorded right after start. */
  cmdline: string
  /** The process's start time (Linux: clock ticks after boot); survives exec, tells a reused pid apart. */
  started?: string
  log_path: string
}

/**
 * Starts a detached process writing to logPath. `onPid` runs synchronously as soon as the OS gave a pid, so the
 * caller can record it before anything else can interrupt it.
 */
export async function spawnDaemon(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; logPath: string; cwd?: string; onPid?: (pid: number) => void },
): Promise<Daemon> {
  const log = openSync(opts.logPath, 'a', 0o600)
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: opts.env,
    cwd: opts.cwd,
  })
  closeSync(log)
  if (child.pid) opts.onPid?.(child.pid)
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve())
    child.once('error', reject)
  })
  child.unref()
  const pid = child.pid!
  return {
    pid,
    cmdline: cmdlineOf(pid) ?? [cmd, ...args].join(' '),
    started: startTimeOf(pid),
    log_path: opts.logPath,
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'gone' | 'not-ours'

/** SIGTERM, wait, SIGKILL — only if the process is still the one we started. Returns how it went. */
export async function stopDaemon(
  d: Pick<Daemon, 'pid' | 'cmdline' | 'started'>,
  timeoutMs = 10_000,
): Promise<StopOutcome> {
  if (!alive(d.pid)) return 'gone'
  if (!sameProcess(d)) return 'not-ours'
  process.kill(d.pid, 'SIGTERM')
  if (await waitForExit(d.pid, timeoutMs)) return 'stopped'
  process.kill(d.pid, 'SIGKILL')
  while (alive(d.pid)) await delay(20)
  return 'killed'
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid) && Date.now() < deadline) await delay(50)
  return !alive(pid)
}

/** How a process may use one of our paths: name it on its command line, or run in it. */
export interface UseOf {
  cmdline?: boolean
  cwd?: boolean
}

/** Processes (other than this one) that use `path` in one of the ways asked. Linux; [] elsewhere. */
export function processesUsing(path: string, how: UseOf): { pid: number; command: string }[] {
  if (process.platform !== 'linux') return []
  const out: { pid: number; command: string }[] = []
  for (const name of readdirSync('/proc')) {
    const pid = Number(name)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const cmd = cmdlineOf(pid)
    if (!cmd || !alive(pid)) continue
    if ((how.cmdline && mentions(cmd, path)) || (how.cwd && cwdOf(pid) === path))
      out.push({ pid, command: cmd.slice(0, 120) })
  }
  return out
}

/** Whether `cmd` names `path` as a whole word (not /x/redis-6379 inside /x/redis-63790). */
export function mentions(cmd: string, path: string): boolean {
  for (let i = cmd.indexOf(path); i !== -1; i = cmd.indexOf(path, i + 1)) {
    const before = i === 0 ? ' ' : cmd[i - 1]!
    const after = cmd[i + path.length] ?? ' '
    if (/[\s=]/.test(before) && /[\s/]/.test(after)) return true
  }
  return false
}

function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`)
  } catch {
    return undefined
  }
}
