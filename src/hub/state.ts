// The hub's in-memory model: the ordered task list with one current task, the live nodes, and who gets what.
import { NodeRegistry, UPSTREAM_CAPABILITIES } from './nodes.js'
import type { Capability, TaskConfig, TaskList, TaskSpec, TaskStatus } from './protocol.js'

export interface TaskEntry {
  spec: TaskSpec
  status: TaskStatus
}

/** The part of the hub's state that survives a restart. */
export interface PersistedTasks {
  tasks: TaskEntry[]
  currentIndex: number | null
}

export class HubState {
  private tasks: TaskEntry[]
  private currentIndex: number | null
  readonly nodes: NodeRegistry

  constructor(initial?: PersistedTasks, now: () => number = Date.now) {
    this.tasks = initial?.tasks ?? []
    this.currentIndex = initial?.currentIndex ?? null
    this.nodes = new NodeRegistry(now)
  }

  snapshot(): PersistedTasks {
    return {
      tasks: this.tasks.map((t) => ({ spec: t.spec, status: t.status })),
      currentIndex: this.currentIndex,
    }
  }

  /** The task nodes should run: the current one while it is Running, else none (upstream kept serving it). */
  runningTask(): TaskSpec | null {
    if (this.currentIndex === null) return null
    const entry = this.tasks[this.currentIndex]
    return entry && entry.status === 'Running' ? entry.spec : null
  }

  /**
   * Appends a task; it starts at once when it is the first or nothing is Running (upstream rule). With `unique`,
   * a name already Pending or Running is refused instead (checked and added in one step: nothing runs between).
   */
  addTask(spec: TaskSpec, opts: { unique?: boolean } = {}): { started: boolean } | { conflict: true } {
    if (opts.unique && this.tasks.some((t) => t.status !== 'Completed' && t.spec.name === spec.name)) {
      return { conflict: true }
    }
    const isFirst = this.tasks.length === 0
    const hasRunning = this.runningTask() !== null
    this.tasks.push({ spec, status: 'Pending' })
    if (isFirst || !hasRunning) {
      this.currentIndex = this.tasks.length - 1
      this.tasks[this.currentIndex]!.status = 'Running'
      return { started: true }
    }
    return { started: false }
  }

  listTasks(): TaskList {
    const out: TaskList = { current: null, pending: [], completed: [] }
    for (const t of this.tasks) {
      if (t.status === 'Running') out.current = t.spec.name
      else if (t.status === 'Pending') out.pending.push(t.spec.name)
      else out.completed.push(t.spec.name)
    }
    return out
  }

  /** Completes the current task and starts the next; null when nothing was ever started. */
  finish(): { completed: string; started: string | null } | null {
    if (this.currentIndex === null) return null
    const prev = this.tasks[this.currentIndex]!
    prev.status = 'Completed'
    const started = this.advanceFrom(this.currentIndex)
    return { completed: prev.spec.name, started }
  }

  /** Legacy /api/tasks/next: completes the current task (even when none follows) and starts the next. */
  next(): { previous: string; current: string } | null {
    const prevIdx = this.currentIndex
    let previous = 'none'
    if (prevIdx !== null) {
      const prev = this.tasks[prevIdx]!
      previous = prev.spec.name
      prev.status = 'Completed'
    }
    const current = this.advanceFrom(prevIdx === null ? -1 : prevIdx)
    return current === null ? null : { previous, current }
  }

  private advanceFrom(idx: number): string | null {
    const nextIdx = idx + 1
    const next = this.tasks[nextIdx]
    if (!next) return null
    this.currentIndex = nextIdx
    next.status = 'Running'
    return next.spec.name
  }

  /**
   * The TaskConfig a node gets, or null: no running task, or one the node cannot run. An "image" node needs an image
   * for its platform (images[platform] ?? image); a "command" node needs a command; a task with both goes to either.
   * A node without "command" never sees command, shell or cwd.
   */
  taskConfigFor(
    platform: string,
    capabilities: ReadonlySet<Capability> = UPSTREAM_CAPABILITIES,
  ): TaskConfig | null {
    const task = this.runningTask()
    if (!task) return null
    const images = task.images
    const image =
      (images && Object.hasOwn(images, platform) ? images[platform] : undefined) ?? task.image ?? null
    const byImage = capabilities.has('image') && image !== null
    const byCommand = capabilities.has('command') && task.command != null
    if (!byImage && !byCommand) return null
    const config: TaskConfig = {
      task_name: task.name,
      image: image ?? '',
      redis_url: null,
      input_redis: task.input_redis ?? null,
      output_redis: task.output_redis ?? null,
      input_queue: task.input_queue ?? null,
      output_queue: task.output_queue ?? null,
    }
    if (capabilities.has('command')) {
      if (task.command != null) config.command = task.command
      if (task.shell != null) config.shell = task.shell
      if (task.cwd != null) config.cwd = task.cwd
    }
    return config
  }
}
