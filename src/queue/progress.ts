// Progress of a queue from its snapshot: what is done of how many, and whether it is drained. Counters speak
// only for counted items (pushed by gridcore push); items that arrived without counters (an upstream producer)
// widen the total instead of pushing done over 100 %, and then "drained" needs the output to settle.
import type { NodeInfo } from '../hub/protocol.js'
import type { QueueSnapshot } from './ops.js'

export interface Progress {
  /** Items that reached an end: a result (counted, or for upstream consumers in the output list), failed, dead. */
  done: number
  /** Counted items, or more when more than that were seen (never below done + waiting + processing). */
  total: number
  /** Items waiting: the input list and the suspects list. */
  waiting: number
  processing: number
  /** Whether the counters account for every item seen: then done = total means drained. */
  counted: boolean
}

export function progressOf(s: QueueSnapshot): Progress {
  const c = s.stats
  const results = Math.max(c.done!, s.output + c.collected!)
  const done = results + c.failed! + c.dead!
  const waiting = s.input + s.suspects
  const pushed = c.pushed!
  const total = Math.max(pushed, done + waiting + s.processing)
  return { done, total, waiting, processing: s.processing, counted: pushed > 0 && total === pushed }
}

/** Whether every result so far came from consumers that count (they hold nothing out of sight). */
function countingConsumersOnly(s: QueueSnapshot): boolean {
  const c = s.stats
  return c.done! + c.failed! + c.dead! > 0 && s.output + c.collected! <= c.done!
}

/** Nodes' instances all stopped (an upstream consumer exits when the queue is empty); unknown without a hub. */
export function nodesIdle(nodes: NodeInfo[] | null | undefined): boolean | null {
  if (nodes === undefined) return null
  if (nodes === null) return false
  return nodes
    .filter((n) => n.status === 'Online')
    .every((n) => n.active_containers === 0 && n.runtime_status !== 'Running')
}

/**
 * Decides "drained" poll by poll. With counters: nothing waiting or held and every counted item at an end.
 * Without them, upstream (BRPOP) consumers may hold an item each where no list shows it, so drained also needs
 * the output to stop growing for `settleMs` and, when the hub is known, every node's instances to be idle.
 */
export class DrainJudge {
  private lastDone = -1
  private since = 0

  constructor(private readonly settleMs: number) {}

  drained(s: QueueSnapshot, now: number, idle: boolean | null): boolean {
    const p = progressOf(s)
    if (p.done !== this.lastDone) {
      this.lastDone = p.done
      this.since = now
    }
    if (p.waiting > 0 || p.processing > 0) return false
    if (p.counted) return p.done >= p.total
    if (countingConsumersOnly(s)) return true
    return now - this.since >= this.settleMs && idle !== false
  }
}
