// The record of a node's running process instances (<stateDir>/instances/<node_id>.json), and the one function
// that stops what a crashed node left: used by the node at start and by whoever tears a cluster down.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { writeFileAtomic } from '../lib/fs.js'
import { alive, startTimeOf } from '../lib/proc.js'

/** One running instance: its process group leader, identified by pid plus start time (pids get reused). */
export interface InstanceEntry {
  pid: number
  /** /proc start time of the pid, so a reused pid never matches. */
  start: string
  task: string
  instance: number
  log_path: string
  started_at: string
}

/** The file's content. `node_pid` and `node_start` identify the node process that owns the instances. */
export interface InstanceRecordFile {
  node_id: string
  node_pid: number
  node_start: string | null
  instances: InstanceEntry[]
}

export interface StoppedInstance extends InstanceEntry {
  node_id: string
  /** True when it ignored SIGTERM for the grace period and was SIGKILLed. */
  forced: boolean
}

export const recordDir = (stateDir: string) => join(stateDir, 'instances')
const recordFile = (stateDir: string, nodeId: string) => join(recordDir(stateDir), `${safe(nodeId)}.json`)

/** What this node process keeps up to date while it runs instances. */
export class InstanceRecord {
  private readonly entries = new Map<number, InstanceEntry>()
  private readonly file: string
  private readonly nodeStart = startTimeOf(process.pid) ?? null

  constructor(
    stateDir: string,
    private readonly nodeId: string,
  ) {
    mkdirSync(recordDir(stateDir), { recursive: true, mode: 0o700 })
    this.file = recordFile(stateDir, nodeId)
  }

  add(e: Omit<InstanceEntry, 'start' | 'started_at'>): void {
    this.entries.set(e.pid, { ...e, start: startTimeOf(e.pid) ?? '', started_at: new Date().toISOString() })
    this.save()
  }

  remove(pid: number): void {
    if (this.entries.delete(pid)) this.save()
  }

  private save(): void {
    const body: InstanceRecordFile = {
      node_id: this.nodeId,
      node_pid: process.pid,
      node_start: this.nodeStart,
      instances: [...this.entries.values()],
    }
    writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 })
  }
}

/**
 * Stops the instances recorded under `stateDir` whose node process is gone (crashed or killed): SIGTERM to each
 * instance's process group whose pid and start time still match the record, SIGKILL after `graceMs` for those
 * still alive. Instances of a node that still runs are left to it. `nodeId` limits it to one node's record.
 * Returns what it stopped; records it has dealt with are removed.
 */
export async function stopLeftoverInstances(
  stateDir: string,
  opts: { nodeId?: string; graceMs?: number } = {},
): Promise<StoppedInstance[]> {
  const graceMs = opts.graceMs ?? 5_000
  const stopped: StoppedInstance[] = []
  const files: string[] = []
  for (const name of listRecords(stateDir)) {
    const file = join(recordDir(stateDir), name)
    const rec = readRecord(file)
    if (!rec || (opts.nodeId !== undefined && rec.node_id !== opts.nodeId)) continue
    const nodeLives =
      rec.node_pid !== process.pid && alive(rec.node_pid) && startTimeOf(rec.node_pid) === rec.node_start
    if (nodeLives) continue
    files.push(file)
    for (const e of rec.instances) {
      if (!Number.isInteger(e.pid) || e.pid <= 1 || !alive(e.pid) || startTimeOf(e.pid) !== e.start) continue
      killGroup(e.pid, 'SIGTERM')
      stopped.push({ ...e, node_id: rec.node_id, forced: false })
    }
  }
  const deadline = Date.now() + graceMs
  while (stopped.some((s) => alive(s.pid)) && Date.now() < deadline) await delay(50)
  for (const s of stopped) {
    s.forced = alive(s.pid)
    // The group only: its id cannot be reused while any member lives, unlike the pid of a leader now gone.
    try {
      process.kill(-s.pid, 'SIGKILL')
    } catch {}
  }
  const killed = Date.now() + 2_000
  while (stopped.some((s) => alive(s.pid)) && Date.now() < killed) await delay(20)
  for (const file of files) rmSync(file, { force: true })
  return stopped
}

/** Signals a process group (instances lead their own), or the process alone when it has no group. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {}
  }
}

function listRecords(stateDir: string): string[] {
  try {
    return readdirSync(recordDir(stateDir)).filter((n) => n.endsWith('.json'))
  } catch {
    return []
  }
}

function readRecord(file: string): InstanceRecordFile | undefined {
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as InstanceRecordFile
    return rec && Array.isArray(rec.instances) && typeof rec.node_pid === 'number' ? rec : undefined
  } catch {
    return undefined
  }
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-')
