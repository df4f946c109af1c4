// The one place Redis key names are built: input, processing, lease, failed, dead, stats.

export interface QueueKeys {
  input: string
  output: string
  /** Hash of counters: pushed, done, failed, dead, collected, refused, recovered. */
  stats: string
  failed: string
  dead: string
  /** Hash item -> attempts for items that came back from an expired lease. */
  attempts: string
  /** Set of consumer ids that hold (or held) a processing list. */
  consumers: string
  /** Lock held by the one `gridcore results` draining the output list. */
  collector: string
  processing(consumer: string): string
  lease(consumer: string): string
  /** Pattern matching every processing list (for SCAN). */
  processingPattern: string
}

export function queueKeys(input: string, output: string): QueueKeys {
  return {
    input,
    output,
    stats: `${input}:stats`,
    failed: `${input}:failed`,
    dead: `${input}:dead`,
    attempts: `${input}:attempts`,
    consumers: `${input}:consumers`,
    collector: `${output}:collector`,
    processing: (consumer) => `${input}:processing:${consumer}`,
    lease: (consumer) => `${input}:lease:${consumer}`,
    processingPattern: `${input}:processing:*`,
  }
}

/** A consumer's id, <node_id>:<instance>: its lease key and processing list are named after it. */
export const consumerId = (nodeId: string, instance: string | number) => `${nodeId}:${instance}`
