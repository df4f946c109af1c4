// gridcore run's flags: what runs each item, the items, the output, --resume/--retry, --local, and the timings.
import { Flags } from '@oclif/core'
import { durationFlag, sourceFlags } from './flags.js'
import { localPortFlags } from './local-flags.js'

const fresh = ['input', 'range', 'name']

export const runFlags = {
  command: Flags.string({
    description: 'line filter run for each item (one line in, one line out)',
    exclusive: ['consumer', 'image', 'resume'],
  }),
  consumer: Flags.string({
    description: 'program that consumes the queues itself (process runtime)',
    exclusive: ['image', 'resume'],
  }),
  image: Flags.string({
    description: 'container image that consumes the queues (Docker runtime)',
    exclusive: ['resume'],
  }),
  ...sourceFlags,
  output: Flags.string({ char: 'o', description: 'file for the results (default: stdout)' }),
  'output-format': Flags.option({
    options: ['raw', 'jsonl', 'csv'] as const,
    default: 'raw' as const,
    description: 'results format',
  })(),
  name: Flags.string({ description: 'task name (default: run-<time>-<random>); refused while one runs' }),
  resume: Flags.string({
    description: 'carry on run TASK whose gridcore run died: push the rest, watch, collect into its output',
    helpValue: '<task>',
    exclusive: ['retry', ...fresh],
  }),
  retry: Flags.string({
    description: 'run the failed and dead items of run TASK again, appending their results to its output',
    helpValue: '<task>',
    exclusive: fresh,
  }),
  local: Flags.boolean({
    description: 'start a local cluster first when none runs (gridcore up), and stop it after',
    default: false,
  }),
  'keep-cluster': Flags.boolean({
    description: 'with --local: leave a cluster started for this run running',
    default: false,
  }),
  ...localPortFlags('with --local: '),
  'item-timeout': durationFlag({
    description: '--command: fail a batch when the filter answers nothing this long',
    default: '30s',
  }),
  lease: durationFlag({
    description:
      '--command: a batch a worker stops renewing (a dead or cut-off node) is taken back after this long (default: 30s; at least 1s)',
  }),
  'stall-timeout': durationFlag({
    description: 'fail (exit 8) after this long without progress once the task runs',
    default: '2m',
  }),
  timeout: durationFlag({ description: 'fail (exit 9) after this long in all, counted from the start' }),
  'redis-retry': durationFlag({
    description: 'keep reconnecting to a lost Redis this long before giving up (exit 7)',
    default: '30s',
  }),
  gpus: Flags.string({ description: '--image: GPUs per container, a count or all (NVIDIA GPU nodes)' }),
}
