// A run's record (state/runs/<task>.json): what ran, on which queues, from which input into which output, and
// how it ended — written when the task is registered and updated on every way out, so a lost terminal loses
// nothing: `gridcore runs` lists them and `run --resume` / `run --retry` start from them.
import { statSync } from 'node:fs'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import type { Gpus } from '../../hub/protocol.js'
import type { PushSource } from '../../queue/push-run.js'
import type { RunWhat } from '../task-spec.js'

export type RunStatus = 'running' | 'done' | 'partial' | 'failed' | 'interrupted' | 'cancelled'

/** Where the items came from: enough to describe it, and for files and ranges to push the rest again. */
export type InputDescription =
  | { kind: 'file'; path: string; format: string; size: number; mtime_ms: number }
  | { kind: 'range'; range: string }
  | { kind: 'stdin'; format: string }

export interface RunCounts {
  /** Items pushed (acknowledged by Redis). */
  items: number
  /** Results written to the output. */
  done: number
  failed: number
  dead: number
}

export interface RunRecord {
  task: string
  /** The cluster profile it ran on ("flags" when --hub gave it). */
  cluster: string
  hub: string
  /** The Redis URL, password redacted. */
  redis: string
  input_queue: string
  output_queue: string
  input: InputDescription
  /** Absolute path of the results file, or null for stdout. */
  output: string | null
  output_format: 'raw' | 'jsonl' | 'csv'
  command: string | null
  consumer: string | null
  image: string | null
  /** --image's --gpus (absent in records of older versions). */
  gpus?: Gpus | null
  /** --command's --item-timeout, in seconds. */
  item_timeout_s: number | null
  /** --command's --lease, in seconds (absent or null: the worker's default). */
  lease_s?: number | null
  cwd: string
  started: string
  finished: string | null
  status: RunStatus
  /** Whether every item of the input reached Redis (false while pushing, or after a push that was cut short). */
  pushed_all: boolean
  counts: RunCounts
  /** The `gridcore run` process that writes the record, and its machine. */
  pid: number
  host: string
  exit_code: number | null
  /** How it ended, when not done: the error line. */
  message: string | null
  /** How many times `run --retry` ran its failed and dead items again. */
  retries: number
  /** The drain-lock token its collector uses: a --resume frees a lock the dead run left (null before it collects). */
  collector_token: string | null
}

export const RESUMABLE: readonly RunStatus[] = ['running', 'interrupted']

/** The `gridcore run --resume|--retry TASK` command line, with --cluster when the run had a named one. */
export function runCommandFor(flag: '--resume' | '--retry', r: Pick<RunRecord, 'task' | 'cluster'>): string {
  const task = /^[\w.:@%+=,-]+$/.test(r.task) ? r.task : `'${r.task.replace(/'/g, `'\\''`)}'`
  const cluster = r.cluster === 'local' || r.cluster === 'flags' ? '' : ` --cluster ${r.cluster}`
  return `gridcore run ${flag} ${task}${cluster}`
}

/** Whether the `gridcore run` that wrote the record still runs: null when it ran on another machine. */
export function writerAlive(r: Pick<RunRecord, 'pid' | 'host'>): boolean | null {
  if (r.host !== hostname()) return null
  if (r.pid === process.pid) return true
  try {
    process.kill(r.pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** A new record for a run that just registered its task. */
export function newRecord(o: {
  task: string
  cluster: string
  hub: string
  redis: string
  queues: { input: string; output: string }
  input: InputDescription
  output: string | null
  outputFormat: RunRecord['output_format']
  what: RunWhat
  cwd: string
}): RunRecord {
  return {
    task: o.task,
    cluster: o.cluster,
    hub: o.hub,
    redis: o.redis,
    input_queue: o.queues.input,
    output_queue: o.queues.output,
    input: o.input,
    output: o.output,
    output_format: o.outputFormat,
    command: 'command' in o.what ? o.what.command : null,
    consumer: 'consumer' in o.what ? o.what.consumer : null,
    image: 'image' in o.what ? o.what.image : null,
    gpus: 'image' in o.what ? (o.what.gpus ?? null) : null,
    item_timeout_s: 'command' in o.what ? o.what.itemTimeoutMs / 1000 : null,
    lease_s: 'command' in o.what && o.what.leaseMs !== undefined ? o.what.leaseMs / 1000 : null,
    cwd: o.cwd,
    started: new Date().toISOString(),
    finished: null,
    status: 'running',
    pushed_all: false,
    counts: { items: 0, done: 0, failed: 0, dead: 0 },
    pid: process.pid,
    host: hostname(),
    exit_code: null,
    message: null,
    retries: 0,
    collector_token: null,
  }
}

/** What ran each item, from a record (a --resume or --retry without a new command). */
export function recordedWhat(r: RunRecord): RunWhat {
  if (r.command !== null)
    return {
      command: r.command,
      itemTimeoutMs: (r.item_timeout_s ?? 30) * 1000,
      ...(typeof r.lease_s === 'number' ? { leaseMs: r.lease_s * 1000 } : {}),
    }
  if (r.consumer !== null) return { consumer: r.consumer }
  return { image: r.image ?? '', ...(r.gpus != null && { gpus: r.gpus }) }
}

/** The input as a record tells it: absolute file paths, with their size and time to see a change later. */
export function describeInput(source: PushSource, format: string): InputDescription {
  if ('range' in source) return { kind: 'range', range: source.range }
  if ('file' in source) {
    const path = resolve(source.file)
    const st = statSync(path)
    return { kind: 'file', path, format, size: st.size, mtime_ms: Math.round(st.mtimeMs) }
  }
  return { kind: 'stdin', format }
}
