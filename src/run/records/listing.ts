// `gridcore runs`: the records with what each needs next — a run whose CLI is gone (or that was interrupted) is
// resumed, one with failed or dead items is retried.

import { type RunRecord, runCommandFor, writerAlive } from './record.js'
import { listRecords, readRecord } from './store.js'

export interface RunListing extends RunRecord {
  /** For a running record: whether its `gridcore run` still runs (null: it ran on another machine). */
  cli_alive: boolean | null
  /** The command that carries it on, when one does: --resume or --retry. */
  next: string | null
}

export function runListings(): { runs: RunListing[]; unreadable: string[] } {
  const { runs, unreadable } = listRecords()
  return {
    unreadable,
    runs: runs.map((r) => {
      const alive = r.status === 'running' ? writerAlive(r) : null
      const next =
        (r.status === 'running' && alive === false) || r.status === 'interrupted'
          ? runCommandFor('--resume', r)
          : r.status === 'partial'
            ? runCommandFor('--retry', r)
            : null
      return { ...r, cli_alive: alive, next }
    }),
  }
}

/**
 * What to tell a run queued behind task `ahead` when that task is a run of this machine whose `gridcore run` is
 * gone (killed, or interrupted): the hub ends it only once the items it pushed are done, so one stopped before
 * pushing any waits forever. Undefined for a live run, another machine's, or a task that is not a run.
 */
export function goneRunAhead(ahead: string): string | undefined {
  let r: RunRecord | undefined
  try {
    r = readRecord(ahead)
  } catch {
    return undefined
  }
  if (!r) return undefined
  const gone = r.status === 'interrupted' || (r.status === 'running' && writerAlive(r) === false)
  if (!gone) return undefined
  return `task ${ahead} ahead of this one belongs to a run that is no longer running (its gridcore run, pid ${r.pid}, is gone): it ends by itself only once the items it pushed are done. Carry it on with ${runCommandFor('--resume', r)}, or drop it with gridcore task finish`
}
