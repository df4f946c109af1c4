// What a run tells while it goes: its phases (NDJSON `{"type":"phase","event":…}` under --json, lines on a
// terminal) and the watch's progress events.
import type { WatchProgress } from '../queue/watch.js'

export type RunEvent =
  | { event: 'registered'; task: string; running: boolean }
  | { event: 'pushing'; queue: string }
  | { event: 'pushed'; items: number }
  /** Queued behind another task: the hub runs one task at a time. */
  | { event: 'waiting'; behind: string }
  /** The task is current: nodes pick it up (a spinner until the first item moves). */
  | { event: 'running'; task: string; items: number }
  | { event: 'redis'; state: 'lost' | 'back' }
  | { event: 'collecting'; output: string | null }
  /** Something the user should know that does not stop the run. */
  | { event: 'note'; message: string }
  /** The task and its items are being removed (a run that cannot go on and is not resumable). */
  | { event: 'removing'; task: string }

export interface RunReporter {
  phase?: (e: RunEvent) => void
  progress?: (p: WatchProgress) => void
}
