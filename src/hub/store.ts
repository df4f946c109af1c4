// Persists the hub's task list and scoped tokens (digests) to a JSON state file (atomic rename) and loads them back
// at start; a version 1 file (before priorities, groups and dependencies) is read into the version 2 shape.
import { readFileSync } from 'node:fs'
import { configError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import type { TaskSpec } from './protocol.js'
import { isRole } from './roles.js'
import type { PersistedHub } from './state.js'
import type { PersistedTasks } from './task-book.js'
import type { TaskEntry } from './task-entry.js'
import type { StoredToken } from './tokens.js'

const VERSION = 2
const STATUSES = ['Pending', 'Running', 'Completed', 'Cancelled']

export interface TaskStore {
  load(): PersistedHub | undefined
  save(state: PersistedHub): void
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

export function parseState(text: string, path: string): PersistedHub {
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
  const d = data as Record<string, unknown>
  if (d.version !== 1 && d.version !== VERSION) throw bad(`unknown version ${String(d.version)}`)
  if (!Array.isArray(d.tasks)) throw bad('"tasks" is not a list')
  for (const t of d.tasks as { spec?: TaskSpec; status?: string }[]) {
    if (typeof t?.spec?.name !== 'string' || !STATUSES.includes(t.status ?? '')) {
      throw bad('a task entry lacks a name or status')
    }
  }
  const tasks = d.version === 1 ? fromVersion1(d, bad) : checkVersion2(d, bad)
  if (d.tokens === undefined) return tasks
  if (!validTokens(d.tokens)) throw bad('a token entry lacks a name, role or digest')
  return { ...tasks, tokens: d.tokens as StoredToken[] }
}

function validTokens(tokens: unknown): boolean {
  const time = (v: unknown) => v === null || (typeof v === 'string' && !Number.isNaN(Date.parse(v)))
  return (
    Array.isArray(tokens) &&
    tokens.every(
      (t: Partial<StoredToken> | null) =>
        typeof t?.name === 'string' &&
        typeof t.role === 'string' &&
        isRole(t.role) &&
        typeof t.digest === 'string' &&
        /^[0-9a-f]{64}$/.test(t.digest) &&
        typeof t.created === 'string' &&
        time(t.expires) &&
        time(t.last_used ?? null),
    )
  )
}

/** Version 1: {tasks: [{spec, status}], currentIndex}, one list in registration order, no ids or times. */
function fromVersion1(d: Record<string, unknown>, bad: (why: string) => Error): PersistedTasks {
  const tasks = d.tasks as { spec: TaskSpec; status: TaskEntry['status'] }[]
  const currentIndex = d.currentIndex
  if (currentIndex !== null && (typeof currentIndex !== 'number' || !tasks[currentIndex])) {
    throw bad('"currentIndex" points at no task')
  }
  return {
    tasks: tasks.map((t, i) => ({
      id: i + 1,
      spec: t.spec,
      status: t.status,
      after_ids: [],
      queued: i + 1,
      registered_at: null,
      started_at: null,
      finished_at: null,
      ended_by: null,
      preemptions: 0,
    })),
    last_started: currentIndex === null ? {} : { default: (currentIndex as number) + 1 },
    next_id: tasks.length + 1,
    front: -1,
  }
}

function checkVersion2(d: Record<string, unknown>, bad: (why: string) => Error): PersistedTasks {
  const tasks = d.tasks as TaskEntry[]
  const ids = new Set<number>()
  for (const t of tasks) {
    if (!Number.isInteger(t.id) || ids.has(t.id) || !Number.isFinite(t.queued) || !Array.isArray(t.after_ids))
      throw bad(`task '${t.spec.name}' has no unique id, queue position or after_ids`)
    ids.add(t.id)
  }
  if (tasks.some((t) => t.after_ids.some((id) => !ids.has(id)))) throw bad('a task waits for an unknown id')
  const last = d.last_started
  if (typeof last !== 'object' || last === null || Object.values(last).some((id) => !ids.has(id as number)))
    throw bad('"last_started" names an unknown task')
  if (!Number.isInteger(d.next_id) || !Number.isInteger(d.front)) throw bad('"next_id" or "front" is missing')
  return {
    tasks,
    last_started: { ...(last as Record<string, number>) },
    next_id: d.next_id as number,
    front: d.front as number,
  }
}
