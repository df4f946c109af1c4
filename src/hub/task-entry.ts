// One task as the hub keeps it: its spec, its state and the times and causes of its changes.
import type { TaskSpec, TaskState } from './protocol.js'

export type EndedBy = 'finish' | 'auto-finish' | 'cancel'

export interface TaskEntry {
  /** The hub's own id (names may repeat upstream). */
  id: number
  /** As registered (a priority change updates `priority`). */
  spec: TaskSpec
  status: TaskState
  /** The tasks `after` named, resolved at registration: the latest earlier task of each name. */
  after_ids: number[]
  queued: number
  registered_at: string | null
  started_at: string | null
  finished_at: string | null
  ended_by: EndedBy | null
  preemptions: number
}
