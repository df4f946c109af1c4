// Durations as people write them — 500ms, 30s, 2m, 1h, 30d, 1.5s; a bare number is seconds — parsed to milliseconds.
import { GridcoreError } from './errors.js'

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?$/i
/** Timers hold at most 2^31-1 ms (about 24.8 days); a longer one would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1

export interface DurationLimits {
  /** The longest duration accepted (default: what a timer holds); and how to say it in the error. */
  maxMs: number
  maxText: string
}

const TIMER_LIMITS: DurationLimits = { maxMs: MAX_DURATION_MS, maxText: '596h (about 24 days)' }

/**
 * Milliseconds in `input`; a one-line USAGE error naming `what` (e.g. "--timeout") otherwise. Durations that do not
 * feed a timer (a token's lifetime) pass their own `limits`.
 */
export function parseDuration(input: string, what: string, limits: DurationLimits = TIMER_LIMITS): number {
  const m = DURATION.exec(input.trim())
  const unit = (m?.[2]?.toLowerCase() ?? 's') as keyof typeof UNIT_MS
  const ms = m ? Math.round(Number(m[1]) * UNIT_MS[unit]) : Number.NaN
  if (!(ms > 0)) {
    throw new GridcoreError(
      'USAGE',
      `${what} expects a positive duration such as 500ms, 30s, 2m, 1h or 30d (a bare number is seconds), got "${input}"`,
    )
  }
  if (ms > limits.maxMs)
    throw new GridcoreError('USAGE', `${what} is at most ${limits.maxText}, got "${input}"`)
  return ms
}
