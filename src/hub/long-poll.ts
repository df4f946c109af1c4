// The additive long poll of GET /gridnode/task?…&wait=SECONDS: the answer is held until it differs from what the
// node has (`known`, a task fingerprint) or the wait is over. Upstream nodes never send `wait` and are answered at once.
import { type TaskConfig, taskFingerprint } from './protocol.js'
import { type Held, type HubResponse, json } from './response.js'
import type { HubState } from './state.js'
import { lastQueryValue } from './target.js'

/** The longest a poll is held, whatever it asks (under common proxies' idle timeouts). */
export const MAX_WAIT_MS = 30_000

/** The wait a poll asks for, in ms (0: answer at once; unreadable values count as 0). */
export function requestedWaitMs(query: URLSearchParams): number {
  const raw = lastQueryValue(query, 'wait')
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw)) return 0
  return Math.min(MAX_WAIT_MS, Math.round(Number(raw) * 1000))
}

/**
 * Answers with `answer()` now, or holds it: while it has the fingerprint the node says it knows (default: the
 * current answer's), it waits for the state to change, then answers as soon as it differs, or when `waitMs` ends.
 */
export function longPoll(
  state: HubState,
  answer: () => TaskConfig | null,
  waitMs: number,
  known: string | undefined,
): HubResponse | Held {
  const first = answer()
  const now = json(first)
  const expected = known ?? taskFingerprint(first)
  if (waitMs <= 0 || taskFingerprint(first) !== expected) return now
  return {
    now,
    held: (signal) =>
      new Promise<HubResponse>((resolve) => {
        let off = () => {}
        const done = () => {
          clearTimeout(timer)
          off()
          signal.removeEventListener('abort', done)
          resolve(json(answer()))
        }
        const timer = setTimeout(done, waitMs)
        off = state.onChange(() => {
          if (taskFingerprint(answer()) !== expected) done()
        })
        if (signal.aborted) done()
        else signal.addEventListener('abort', done, { once: true })
      }),
  }
}
