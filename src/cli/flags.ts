// Shared flags: cluster and queue selection (base flags), durations, where items come from, log format.
import { Flags, type Interfaces } from '@oclif/core'
import { parseDuration } from '../lib/duration.js'
import { GridcoreError } from '../lib/errors.js'
import type { PushSource } from '../queue/push-run.js'

/** Base flags of commands that talk to a cluster. `--hub` + token bypass the saved profiles. */
export const clusterFlags = {
  cluster: Flags.string({
    description: 'cluster profile to use (default: the local cluster, else the only profile)',
    env: 'GRIDCORE_CLUSTER',
    helpGroup: 'CLUSTER',
  }),
  hub: Flags.string({
    description: 'hub URL, instead of a saved profile (token from GRIDCORE_TOKEN or --token)',
    env: 'GRIDCORE_HUB_URL',
    helpGroup: 'CLUSTER',
  }),
  token: Flags.string({ description: 'hub token, with --hub', env: 'GRIDCORE_TOKEN', helpGroup: 'CLUSTER' }),
  'ca-file': Flags.string({
    description: 'cluster CA (PEM) an https --hub and rediss:// are verified against, with --hub',
    env: 'GRIDCORE_CA_FILE',
    helpGroup: 'CLUSTER',
  }),
}

/** Base flags of data-plane commands, beside clusterFlags: a queue given directly, or the current task's. */
export const queueFlags = {
  redis: Flags.string({
    description: 'Redis URL (default: the cluster’s, or the current task’s)',
    env: 'GRIDCORE_REDIS_URL',
    helpGroup: 'QUEUE',
  }),
  queue: Flags.string({
    char: 'q',
    description: 'input queue (default: the current task’s)',
    helpGroup: 'QUEUE',
  }),
  'output-queue': Flags.string({
    description: 'output queue (default: the task’s, else <queue>:output)',
    helpGroup: 'QUEUE',
  }),
}

const duration = Flags.custom<number>({
  helpValue: '<duration>',
  parse: async (input, _ctx, opts) => parseDuration(input, `--${opts.name}`),
})

/**
 * A duration flag (500ms, 30s, 2m, 1h; a bare number is seconds) whose value is milliseconds. A default is
 * written as a person writes it ('30s') and help shows it so.
 */
export function durationFlag(o: { description: string; default: string }): Interfaces.OptionFlag<number>
export function durationFlag(o: { description: string }): Interfaces.OptionFlag<number | undefined>
export function durationFlag(o: { description: string; default?: string }) {
  const shown = o.default
  if (shown === undefined) return duration({ description: o.description })
  return duration({
    description: o.description,
    default: parseDuration(shown, 'a default'),
    defaultHelp: async () => shown,
  })
}

/** Where items come from, the same way in run and push: a file (- for stdin) or a range, never both. */
export const sourceFlags = {
  input: Flags.string({ char: 'i', description: 'file of items, or - for stdin' }),
  range: Flags.string({ description: 'the numbers A..B[:STEP] as items', exclusive: ['input'] }),
  format: Flags.option({
    options: ['lines', 'jsonl', 'csv', 'json'] as const,
    default: 'lines' as const,
    description: 'input format',
  })(),
}

/** The items sourceFlags select; stdin when `-`, or when `pipedStdin` and stdin is not a terminal. */
export function itemSource(
  f: { input?: string; range?: string },
  o: { pipedStdin: boolean; nothing: string },
): PushSource {
  if (f.range) return { range: f.range }
  if (f.input && f.input !== '-') return { file: f.input }
  if (f.input === '-' || (o.pipedStdin && !process.stdin.isTTY)) return { stdin: process.stdin }
  throw new GridcoreError('USAGE', o.nothing)
}

export const logFormatFlag = Flags.option({
  options: ['text', 'json'] as const,
  default: 'text' as const,
  description: 'log lines as readable text or as one JSON object per line',
})
