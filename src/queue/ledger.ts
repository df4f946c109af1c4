// The contribution ledger's reader: `<in>:ledger` holds `<node_id>:done` and `<node_id>:failed`, counted by the
// reliable protocol's commit; here it becomes {node_id: {done, failed}}.
import type { Redis } from 'ioredis'
import type { QueueKeys } from './keys.js'

export interface LedgerEntry {
  done: number
  failed: number
}

/** Node id -> what its consumers committed. */
export type Ledger = Record<string, LedgerEntry>

/** More nodes than this in one ledger are left out of answers (a hash written by anyone with Redis access). */
export const MAX_LEDGER_NODES = 10_000

/**
 * Parses the ledger hash's fields: the node id is everything before the last ":" (ids may hold ":"), the kind
 * after it; fields of other kinds and values that are not counts are ignored.
 */
export function parseLedger(raw: Record<string, string>): Ledger {
  const out: Ledger = Object.create(null)
  let nodes = 0
  for (const [field, value] of Object.entries(raw)) {
    const cut = field.lastIndexOf(':')
    if (cut <= 0) continue
    const kind = field.slice(cut + 1)
    if (kind !== 'done' && kind !== 'failed') continue
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 0) continue
    const node = field.slice(0, cut)
    let entry = out[node]
    if (!entry) {
      if (nodes >= MAX_LEDGER_NODES) continue
      nodes++
      entry = { done: 0, failed: 0 }
      out[node] = entry
    }
    entry[kind] = n
  }
  return out
}

/** The ledger of a queue ({} when nothing was counted yet). */
export async function readLedger(redis: Redis, keys: QueueKeys): Promise<Ledger> {
  return parseLedger(await redis.hgetall(keys.ledger))
}

/** Sum of a ledger's entries. */
export function ledgerTotals(ledger: Ledger): LedgerEntry {
  let done = 0
  let failed = 0
  for (const e of Object.values(ledger)) {
    done += e.done
    failed += e.failed
  }
  return { done, failed }
}
