// `gridcore runs`: the records with what each needs next — a run whose CLI is gone (or that was interrupted) is
// resumed, one with failed or dead items is retried.

import { type RunRecord, runCommandFor, writerAlive } from './record.js'
import { listRecords } from './store.js'

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
