// What runs each item of a run, and the hub task that makes nodes run it.
import type { Capability, Gpus, TaskSpec } from '../hub/protocol.js'
import { SELF } from '../lib/self.js'
import type { RedisUrl } from '../redis/url.js'

export type RunWhat =
  /** leaseMs: how long a worker's batch stays its own without a renewal (default 30 s). */
  | { command: string; itemTimeoutMs: number; leaseMs?: number }
  | { consumer: string }
  /** gpus: per container (--gpus), for nodes with NVIDIA GPUs. */
  | { image: string; gpus?: Gpus }

/** What kind of node can run it: process tasks need "command" nodes, images need "image" nodes. */
export const capabilityFor = (what: RunWhat): Capability => ('image' in what ? 'image' : 'command')

export function taskSpecFor(
  what: RunWhat,
  name: string,
  redis: RedisUrl,
  q: { input: string; output: string },
  cwd: string,
): TaskSpec {
  const base: TaskSpec = {
    name,
    input_redis: redis.href,
    output_redis: redis.href,
    input_queue: q.input,
    output_queue: q.output,
    // The hub finishes it once drained, so a batch never waits for a person, even when this CLI died.
    auto_finish: true,
  }
  if ('image' in what)
    return { ...base, image: what.image, ...(what.gpus !== undefined && { gpus: what.gpus }) }
  if ('consumer' in what) return { ...base, command: what.consumer, shell: true, cwd }
  // A bare `gridcore`: each node runs it as its own gridcore (this machine's paths mean nothing on another host).
  return {
    ...base,
    command: [
      SELF,
      'worker',
      '--filter',
      what.command,
      '--item-timeout',
      String(what.itemTimeoutMs / 1000),
      ...(what.leaseMs === undefined ? [] : ['--lease', String(what.leaseMs / 1000)]),
    ],
    cwd,
  }
}
