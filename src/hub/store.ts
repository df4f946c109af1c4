// Persists the hub's task list to a JSON state file (atomic rename) and loads it back at start.
import { readFileSync } from 'node:fs'
import { configError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import type { PersistedTasks, TaskEntry } from './state.js'

const VERSION = 1

export interface TaskStore {
  load(): PersistedTasks | undefined
  save(state: PersistedTasks): void
}

export function fileTaskStore(path: string): TaskStore {
  return {
    load() {
      let text: string
      try {
        text = readFileSync(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw configError(
          `cannot read the hub state file ${path} (${(err as Error).message}): fix its permissions or pass --state-file`,
        )
      }
      return parseState(text, path)
    },
    save(state) {
      // The state holds task Redis URLs, which may carry passwords: keep it private.
      writeFileAtomic(path, `${JSON.stringify({ version: VERSION, ...state }, null, 2)}\n`, { mode: 0o600 })
    },
  }
}

function parseState(text: string, path: string): PersistedTasks {
  const bad = (why: string) =>
    configError(
      `the hub state file ${path} is not valid (${why}): move it aside to start with an empty task list`,
    )
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw bad((err as Error).message)
  }
  if (typeof data !== 'object' || data === null) throw bad('expected a JSON object')
  const { version, tasks, currentIndex } = data as Record<string, unknown>
  if (version !== VERSION) throw bad(`unknown version ${String(version)}`)
  if (!Array.isArray(tasks)) throw bad('"tasks" is not a list')
  for (const t of tasks as TaskEntry[]) {
    if (typeof t?.spec?.name !== 'string' || !['Pending', 'Running', 'Completed'].includes(t.status)) {
      throw bad('a task entry lacks a name or status')
    }
  }
  if (currentIndex !== null && (typeof currentIndex !== 'number' || !tasks[currentIndex])) {
    throw bad('"currentIndex" points at no task')
  }
  return { tasks: tasks as TaskEntry[], currentIndex: currentIndex as number | null }
}
