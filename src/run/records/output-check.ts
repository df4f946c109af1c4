// Data-plane commands never guess an output queue: a --queue without --output-queue whose <queue>:output list
// does not exist, while the queue is a run's (its record, or gridcore run's naming, says where its results go), is
// refused naming --output-queue and that name.
import type { OpenTarget, QueueTarget } from '../../cluster/target.js'
import { GridcoreError } from '../../lib/errors.js'
import { runIdOf, runQueues } from '../../queue/keys.js'
import { recordByInputQueue } from './store.js'

export async function checkOutputKnown(t: QueueTarget, conn: OpenTarget): Promise<void> {
  if (!t.outputGuessed || (await conn.output.exists(t.output))) return
  const rec = recordByInputQueue(t.input)
  const id = runIdOf(t.input)
  const known = rec?.output_queue ?? (id === undefined ? undefined : runQueues(id).output)
  if (known === undefined || known === t.output) return
  const whose = rec ? `run ${rec.task} (its record in state/runs)` : `gridcore run ${id}`
  throw new GridcoreError(
    'USAGE',
    `the output queue of ${t.input} is not known: ${t.output} does not exist, and ${whose} wrote its results to ${known}: pass --output-queue ${known}`,
    { output_queue: known },
  )
}
