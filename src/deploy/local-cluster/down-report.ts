// What gridcore down reports: how each part stopped, what was kept and why (pure).
import type { PartName } from '../../cluster/local-processes.js'
import { describeHolder, type Holder } from './health.js'
import type { StopOutcome } from './teardown-plan.js'

const LABEL: Record<PartName, string> = { redis: 'Redis', hub: 'the hub', node: 'the node' }

export interface DownResult {
  was_running: boolean
  node: StopOutcome | null
  hub: StopOutcome | null
  redis: StopOutcome | null
  /** Process instances a crashed node had left running, stopped now. */
  instances_stopped: number
  /** Whether Redis's data stays on disk, and where. */
  kept_data: boolean
  data_dir: string | null
  /** The hub's task list, kept with the data (null when purged or never written). */
  task_list: string | null
  purged_data: boolean
  /** Processes gridcore did not start that hold a part's port or files: that part's files are kept. */
  held: ({ part: PartName } & Holder)[]
  kept_files: string[]
  /** A listening cluster's CA, kept with the data (joined machines pinned it); null otherwise. */
  kept_ca: string | null
  /** False when something still runs in a part's place (exit 3): the record stays so down can run again. */
  complete: boolean
  ports_free: boolean
}

/** One line when down could not finish: who holds what, what was kept, what to do. Null when it finished. */
export function heldMessage(r: DownResult): string | null {
  if (r.complete) return null
  const who = r.held.map(
    (h) => `${LABEL[h.part]} is not stopped: ${describeHolder(h)}, a process gridcore did not start`,
  )
  const many = r.held.length > 1
  return `${who.join('; ')}; kept ${many ? 'their' : 'its'} files (${r.kept_files.join(', ')}): stop ${many ? 'those processes' : 'that process'}, then run gridcore down again`
}

/** The sentence down prints when it finished. */
export function downText(r: DownResult): string {
  if (!r.was_running) return 'No local cluster is recorded; nothing to stop.'
  const parts = `node: ${r.node}, hub: ${r.hub}, Redis: ${r.redis}`
  const leftovers = r.instances_stopped
    ? `; stopped ${r.instances_stopped} instance(s) a crashed node left`
    : ''
  const data = r.purged_data
    ? '; Redis data deleted'
    : r.data_dir
      ? `; Redis data${r.task_list?.startsWith(r.data_dir) ? " and the hub's task list" : ''}${r.kept_ca ? ', the cluster CA and the join token' : ''} kept in ${r.data_dir} (gridcore up on the same Redis port uses it again${r.kept_ca ? ', and joined machines stay joined' : ''}; gridcore down --purge-data deletes it)`
      : ''
  return `Local cluster ${r.complete ? 'stopped' : 'partly stopped'} (${parts})${leftovers}${data}.`
}
