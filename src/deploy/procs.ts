// Detached daemons for a local cluster: start with pid + log file, recognise them later by command line,
// and never signal a process gridcore did not start.
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { alive, cmdlineOf, startTimeOf } from '../lib/proc.js'

export interface Daemon {
  pid: number
  /** The command line as the OS reports it, recorded right after start. */
  cmdline: string
  /** The process's start time (Linux: clock ticks after boot); survives exec, tells a reused pid apart. */
  started?: string
  log_path: string
}

export async function spawnDaemon(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; logPath: string; cwd?: string },
): Promise<Daemon> {
  const log = openSync(opts.logPath, 'a', 0o600)
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: opts.env,
    cwd: opts.cwd,
  })
  closeSync(log)
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

/**
 * True when pid still runs the process we started: same start time where the OS tells it (an exec keeps it,
 * a reused pid does not), else the same command line.
 */
export function isOurs(d: Pick<Daemon, 'pid' | 'cmdline' | 'started'>): boolean {
  if (!alive(d.pid)) return false
  const started = startTimeOf(d.pid)
  if (d.started && started) return started === d.started
  return cmdlineOf(d.pid) === d.cmdline
}

/** SIGTERM, wait, SIGKILL — only if the process is still the one we started. Returns how it went. */
export async function stopDaemon(
  d: Pick<Daemon, 'pid' | 'cmdline' | 'started'>,
  timeoutMs = 10_000,
): Promise<'stopped' | 'killed' | 'gone' | 'not-ours'> {
  if (!alive(d.pid)) return 'gone'
  if (!isOurs(d)) return 'not-ours'
  process.kill(d.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (alive(d.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  if (!alive(d.pid)) return 'stopped'
  process.kill(d.pid, 'SIGKILL')
  while (alive(d.pid)) await new Promise((r) => setTimeout(r, 20))
  return 'killed'
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !alive(pid)
}
