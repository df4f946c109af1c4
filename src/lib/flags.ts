// Shared flag builders: durations in seconds, log format.
import { Flags } from '@oclif/core'

/** A positive duration in seconds (decimals allowed), returned in milliseconds. */
export const secondsFlag = Flags.custom<number>({
  parse: async (input, _ctx, opts) => {
    const n = Number(input)
    if (!Number.isFinite(n) || n <= 0) {
      throw new Error(`--${opts.name} expects a positive number of seconds, got "${input}"`)
    }
    return Math.round(n * 1000)
  },
})

export const logFormatFlag = Flags.option({
  options: ['text', 'json'] as const,
  default: 'text' as const,
  description: 'log lines as readable text or as one JSON object per line',
})
