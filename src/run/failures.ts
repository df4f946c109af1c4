// Failures an agent can act on: the failed and dead items grouped by their error (numbers, ids, paths and quoted
// values normalised away), the top groups with a count, one example error and three sample items, and the exact
// commands to see them all and to run them again.
import type { Redis } from 'ioredis'
import type { QueueKeys } from '../queue/keys.js'
import { listRecords } from '../queue/ops.js'
import { excerpt } from './cannot-start.js'

export interface FailureGroup {
  /** One example of the error: its first and last line ("Traceback … ValueError: bad item 77"). */
  error: string
  count: number
  /** Up to three items that failed this way (non-UTF-8 bytes as \udcXX in JSON). */
  samples: string[]
  /** The list they are in: failed (their processing raised) or dead (delivered max times without a commit). */
  list: 'failed' | 'dead'
}

export interface NextSteps {
  /** Shows the failed items with their errors. */
  failed?: string
  /** Shows the dead items with their last errors. */
  dead?: string
  /** Runs the failed and dead items again (after the fix), appending their results to the output. */
  retry: string
}

const TOP = 5
const SAMPLES = 3
/** Records read per list to group (the newest); counts beyond are not grouped. */
export const GROUP_READ = 20_000

/** The error with what varies between items taken out, so that one cause is one group. */
export function normaliseError(text: string): string {
  return excerpt(text)
    .replace(/(?<!\w)(["'`])(?:(?!\1).){0,200}\1/g, '$1…$1')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/(?:[A-Za-z]:)?(?:\.{0,2}\/|\\)[^\s:'",)]*/g, '<path>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/0x[0-9a-f]+/gi, '<n>')
    .replace(/\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, '<n>')
}

/** The top groups of the failed and dead lists, biggest first. */
export async function failureGroups(redis: Redis, keys: QueueKeys): Promise<FailureGroup[]> {
  const groups = new Map<string, FailureGroup>()
  for (const list of ['failed', 'dead'] as const) {
    for (const r of await listRecords(redis, keys[list], GROUP_READ)) {
      const error = r.error ?? '(no error recorded)'
      const key = `${list}\n${normaliseError(error)}`
      let g = groups.get(key)
      if (!g) {
        g = { error: excerpt(error), count: 0, samples: [], list }
        groups.set(key, g)
      }
      g.count++
      if (g.samples.length < SAMPLES) g.samples.push(r.item)
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count).slice(0, TOP)
}

/** The commands that show the failures and run them again; `cluster` is " --cluster NAME" or "". */
export function nextSteps(
  o: { task: string; input_queue: string; failed: number; dead: number },
  retry: string,
  cluster = '',
): NextSteps {
  const next: NextSteps = { retry }
  if (o.failed) next.failed = `gridcore queue dead --failed --queue ${o.input_queue}${cluster}`
  if (o.dead) next.dead = `gridcore queue dead --queue ${o.input_queue}${cluster}`
  return next
}

/** An item for a terminal: control bytes and non-UTF-8 bytes as \xNN, at most 60 characters. */
export function showItem(item: string): string {
  const safe = item
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16)}`)
  return safe.length > 60 ? `${safe.slice(0, 59)}…` : safe
}
