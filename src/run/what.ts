// What runs each item of a run, from its flags: a line filter (with its item timeout and batch lease), a consumer, or
// an image (with its GPUs); refused in one line when the flags do not fit together.
import { gpusArg } from '../cluster/tasks.js'
import { GridcoreError } from '../lib/errors.js'
import type { RunWhat } from './run.js'

export interface WhatInput {
  command?: string
  consumer?: string
  image?: string
  itemTimeoutMs: number
  /** --lease: at least 1 s (a worker renews it every third of it). */
  leaseMs?: number
  /** --gpus: a count or "all", for --image only. */
  gpus?: string
}

/** The job of a new run or --retry; undefined when none was given (--resume, or --retry with the recorded one). */
export function runWhat(o: WhatInput): RunWhat | undefined {
  const gpus = o.gpus === undefined ? undefined : gpusArg(o.gpus)
  if (gpus !== undefined && !o.image)
    throw new GridcoreError('USAGE', '--gpus needs --image: GPUs are given to containers, not to a command')
  if (o.leaseMs !== undefined && o.leaseMs < 1_000)
    throw new GridcoreError(
      'USAGE',
      `--lease must be at least 1s (a worker renews it every third of it), got ${o.leaseMs} ms`,
    )
  if (o.command)
    return {
      command: o.command,
      itemTimeoutMs: o.itemTimeoutMs,
      ...(o.leaseMs !== undefined ? { leaseMs: o.leaseMs } : {}),
    }
  if (o.consumer) return { consumer: o.consumer }
  if (o.image) return { image: o.image, ...(gpus !== undefined && { gpus }) }
  return undefined
}
