// The one place Redis key names are built: a task's queues, their protocol keys, consumer ids, run queues.

export interface QueueKeys {
  input: string
  output: string
  /** Hash of counters: pushed, done, failed, dead, collected, refused, recovered, retried. */
  stats: string
  /** Records {item, error, attempts, consumer, at} of items whose processing raised (for `queue retry`). */
  failed: string
  /** Records of items delivered max_attempts times without a commit, with their last error. */
  dead: string
  /** Envelopes {item, attempts, error} of items that failed a delivery and wait to be delivered again, alone. */
  suspects: string
  /** Hash consumer id -> {attempts, error} of the one suspect that consumer's processing list holds. */
  attempts: string
  /** Set of consumer ids that hold (or held) a processing list. */
  consumers: string
  /** Lock held by the one `gridcore results` draining the output list. */
  collector: string
  /** Hash drain-lock token -> id of the last batch that drainer removed (collect.lua; drain-journal.ts reads it). */
  drains: string
  /** Hash of what each node committed: `<node_id>:done` and `<node_id>:failed` (the contribution ledger). */
  ledger: string
  processing(consumer: string): string
  lease(consumer: string): string
}

export function queueKeys(input: string, output: string): QueueKeys {
  return {
    input,
    output,
    stats: `${input}:stats`,
    failed: `${input}:failed`,
    dead: `${input}:dead`,
    suspects: `${input}:suspects`,
    attempts: `${input}:attempts`,
    consumers: `${input}:consumers`,
    collector: `${output}:collector`,
    drains: `${output}:drains`,
    ledger: `${input}:ledger`,
    processing: (consumer) => `${input}:processing:${consumer}`,
    lease: (consumer) => `${input}:lease:${consumer}`,
  }
}

/** The output list of an input queue when neither flags nor the task name one. */
export const defaultOutputQueue = (input: string) => `${input}:output`

/** The queues `gridcore run` creates for a run id. */
export const runQueues = (id: string) => ({ input: `gridcore:${id}:in`, output: `gridcore:${id}:out` })

/** The run id whose input queue this is (the inverse of runQueues), if it is one. */
export const runIdOf = (input: string) => /^gridcore:(.+):in$/.exec(input)?.[1]

/** A consumer's id: <node_id>:<instance>, unique among live consumers. */
export const consumerId = (nodeId: string, instance: string | number) => `${nodeId}:${instance}`

/** The node a consumer id belongs to: the part before its last ":<instance>" (the whole id when it has none). */
export const nodeOfConsumer = (consumer: string) => {
  const at = consumer.lastIndexOf(':')
  return at === -1 ? consumer : consumer.slice(0, at)
}

/** The contribution ledger's fields of a node: items it committed with a result, and with an error. */
export const ledgerFields = (nodeId: string) => ({ done: `${nodeId}:done`, failed: `${nodeId}:failed` })
