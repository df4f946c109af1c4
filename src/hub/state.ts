// The hub's in-memory model: the ordered task list with one current task, and the live nodes.
import { randomUUID } from 'node:crypto'
import type {
  HeartbeatRequest,
  NodeInfo,
  RegisterRequest,
  TaskConfig,
  TaskList,
  TaskSpec,
  TaskStatus,
} from './protocol.js'

export interface TaskEntry {
  spec: TaskSpec
  status: TaskStatus
}

/** The part of the hub's state that survives a restart. */
export interface PersistedTasks {
  tasks: TaskEntry[]
  currentIndex: number | null
}

interface NodeEntry extends NodeInfo {
  stopRequested: boolean
  lastSeenMs: number
}

export class HubState {
  private tasks: TaskEntry[]
  private currentIndex: number | null
  private readonly nodes = new Map<string, NodeEntry>()

  constructor(
    initial?: PersistedTasks,
    private readonly now: () => number = Date.now,
  ) {
    this.tasks = initial?.tasks ?? []
    this.currentIndex = initial?.currentIndex ?? null
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

  /** Appends a task; it starts at once when it is the first or nothing is Running (upstream rule). */
  addTask(spec: TaskSpec): { started: boolean } {
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

  /** The TaskConfig a node of this platform gets, or null (no running task, or no image for it). */
  taskConfigFor(platform: string): TaskConfig | null {
    const task = this.runningTask()
    if (!task) return null
    const image = task.images?.[platform] ?? task.image ?? null
    if (image === null && task.command == null) return null
    const config: TaskConfig = {
      task_name: task.name,
      image: image ?? '',
      redis_url: null,
      input_redis: task.input_redis ?? null,
      output_redis: task.output_redis ?? null,
      input_queue: task.input_queue ?? null,
      output_queue: task.output_queue ?? null,
    }
    if (task.command != null) config.command = task.command
    if (task.shell != null) config.shell = task.shell
    if (task.cwd != null) config.cwd = task.cwd
    return config
  }

  registerNode(req: RegisterRequest): string {
    const id = req.node_id ?? randomUUID()
    const now = this.now()
    this.nodes.set(id, {
      id,
      hostname: req.hostname,
      architecture: req.architecture,
      cpu_count: req.cpu_count,
      last_seen: new Date(now).toISOString(),
      lastSeenMs: now,
      status: 'Online',
      runtime_status: null,
      active_containers: 0,
      stopRequested: false,
      ...(req.group ? { group: req.group } : {}),
    })
    return id
  }

  /** Records a heartbeat; `known` is false when the node is not (or no longer) registered. */
  heartbeat(req: HeartbeatRequest): { known: boolean; stopRequested: boolean; becameError: boolean } {
    const node = this.nodes.get(req.node_id)
    if (!node) return { known: false, stopRequested: false, becameError: false }
    const becameError = req.status === 'Error' && node.runtime_status !== 'Error'
    const now = this.now()
    node.lastSeenMs = now
    node.last_seen = new Date(now).toISOString()
    node.status = 'Online'
    node.runtime_status = req.status
    node.active_containers = req.active_containers
    return { known: true, stopRequested: node.stopRequested, becameError }
  }

  requestStop(id: string): boolean {
    const node = this.nodes.get(id)
    if (!node) return false
    node.stopRequested = true
    return true
  }

  listNodes(): NodeInfo[] {
    return [...this.nodes.values()].map(({ stopRequested: _s, lastSeenMs: _l, ...info }) => info)
  }

  /** Drops nodes whose last heartbeat is older than `timeoutMs`; returns the dropped ids. */
  sweep(timeoutMs: number): string[] {
    const now = this.now()
    const dropped: string[] = []
    for (const [id, node] of this.nodes) {
      if (now - node.lastSeenMs >= timeoutMs) {
        this.nodes.delete(id)
        dropped.push(id)
      }
    }
    return dropped
  }
}
