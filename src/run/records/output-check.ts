// Data-plane commands never guess an output queue: a --queue without --output-queue whose <queue>:output list
// does not exist, while the queue is a run's (its record, or gridcore run's naming, says where its results go), is
// refused naming --output-queue and that name. And the output of a run of this machine is not drained behind its
// back: not while the run collects it, nor when a run that died holds its drain lock (named, with the command that
// finishes it, rather than as "another gridcore results").
import type { OpenTarget, QueueTarget } from '../../cluster/target.js'
import { GridcoreError } from '../../lib/errors.js'
import { type QueueKeys, runIdOf, runQueues } from '../../queue/keys.js'
import { runCommandFor, writerAlive } from './record.js'
import { listRecords, recordByInputQueue } from './store.js'

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

/**
 * Refuses to drain `keys.output` when a run of this machine owns it (from its record):
 * - while that run is alive it collects these results into its own output as they come: a drain here would take
 *   part of them away from that file;
 * - a run that stopped while holding the drain lock (its collector's token) owns its journal and output file, so
 *   `run --resume` finishes them; a drain elsewhere would wait out the lock and could cut or repeat its last batch.
 */
export async function checkDrainable(keys: QueueKeys, conn: OpenTarget): Promise<void> {
  const runs = listRecords().runs.filter((r) => r.output_queue === keys.output)
  const live = runs.find((r) => r.status === 'running' && writerAlive(r) === true)
  if (live)
    throw new GridcoreError(
      'USAGE',
      `run ${live.task} (pid ${live.pid}) is collecting the results of ${keys.output} into ${live.output ?? 'its stdout'} while it runs: they arrive there; --peek N shows the oldest without taking them, or drain once the run has finished`,
      { run: live.task },
    )
  const token = await conn.output.get(keys.collector)
  if (!token) return
  const rec = runs.find((r) => r.collector_token === token)
  if (!rec || writerAlive(rec) !== false) return
  const resume = runCommandFor('--resume', rec)
  const ms = await conn.output.pttl(keys.collector)
  throw new GridcoreError(
    'USAGE',
    `the results of ${keys.output} are held by run ${rec.task}, which stopped while writing them to ${rec.output ?? 'stdout'} (its process ${rec.pid} is gone): ${resume} finishes the run and that file${ms > 0 ? `; or wait ${Math.ceil(ms / 1000)} s for its drain lock to run out` : ''}`,
    { next: resume },
  )
}
