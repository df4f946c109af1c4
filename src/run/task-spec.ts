// What runs each item of a run, and the hub task that makes nodes run it.
import { GRIDCORE_BIN } from '../deploy/engine.js'
import type { Capability, Gpus, TaskSpec } from '../hub/protocol.js'
import type { RedisUrl } from '../redis/url.js'

export type RunWhat =
  | { command: string; itemTimeoutMs: number }
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
  return {
    ...base,
    command: [
      process.execPath,
      GRIDCORE_BIN,
      'worker',
      '--filter',
      what.command,
      '--item-timeout',
      String(what.itemTimeoutMs / 1000),
    ],
    cwd,
  }
}
