// Run records on disk: state/runs/<task>.json, one per task name, written atomically; listed newest first.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { configError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs.js'
import { paths as defaultPaths, type Paths } from '../../lib/paths.js'
import type { RunRecord } from './record.js'

export const runsDir = (p: Paths = defaultPaths()) => join(p.stateDir, 'runs')

/** The record's file: the task name made safe for a file name (%XX for anything unusual). */
export function recordPath(task: string, p: Paths = defaultPaths()): string {
  const safe = encodeURIComponent(task)
    .replace(/^\./, '%2E')
    .replace(/[!'()*~]/g, escapeChar)
  return join(runsDir(p), `${safe}.json`)
}

const escapeChar = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`

export function writeRecord(r: RunRecord, p: Paths = defaultPaths()): void {
  writeFileAtomic(recordPath(r.task, p), `${JSON.stringify(r, null, 2)}\n`, { dirMode: 0o700 })
}

/** The record of a task, or undefined when there is none; a file that is not a record is a CONFIG error. */
export function readRecord(task: string, p: Paths = defaultPaths()): RunRecord | undefined {
  const file = recordPath(task, p)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw configError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code}): check its permissions`)
  }
  const r = parse(text)
  if (!r) throw configError(`${file} is not a run record: move it aside (mv ${file} ${file}.bak)`)
  return r
}

/** Every record, newest first, and the files that are not records. */
export function listRecords(p: Paths = defaultPaths()): { runs: RunRecord[]; unreadable: string[] } {
  let names: string[]
  try {
    names = readdirSync(runsDir(p)).filter((n) => n.endsWith('.json'))
  } catch {
    return { runs: [], unreadable: [] }
  }
  const runs: RunRecord[] = []
  const unreadable: string[] = []
  for (const n of names) {
    const file = join(runsDir(p), n)
    let r: RunRecord | undefined
    try {
      r = parse(readFileSync(file, 'utf8'))
    } catch {}
    if (r) runs.push(r)
    else unreadable.push(file)
  }
  runs.sort((a, b) => b.started.localeCompare(a.started))
  return { runs, unreadable }
}

/** The record of the run whose input queue this is, if any. */
export function recordByInputQueue(queue: string, p: Paths = defaultPaths()): RunRecord | undefined {
  return listRecords(p).runs.find((r) => r.input_queue === queue)
}

function parse(text: string): RunRecord | undefined {
  try {
    const r = JSON.parse(text) as RunRecord
    const ok =
      typeof r?.task === 'string' &&
      typeof r.input_queue === 'string' &&
      typeof r.output_queue === 'string' &&
      typeof r.status === 'string' &&
      typeof r.started === 'string' &&
      typeof r.counts === 'object'
    return ok ? r : undefined
  } catch {
    return undefined
  }
}

/** Marks a run's record cancelled (its task was cancelled while pending); the record, if there is one. */
export function markCancelled(task: string, p: Paths = defaultPaths()): RunRecord | undefined {
  const r = readRecord(task, p)
  if (!r || (r.status !== 'running' && r.status !== 'interrupted')) return r
  Object.assign(r, { status: 'cancelled', finished: new Date().toISOString() })
  r.message = 'its task was cancelled while pending (gridcore task cancel)'
  writeRecord(r, p)
  return r
}
