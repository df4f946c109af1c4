// The hub's in-memory model: the task list (each worker group with its own current task), the live nodes, who
// gets what, a change signal that long-polling nodes wait on, and the scoped tokens.
import { LogStore } from './logs.js'
import { NodeRegistry, UPSTREAM_CAPABILITIES } from './nodes.js'
import type { Capability, NodeInfo, TaskConfig, TaskSpec } from './protocol.js'
import { DEFAULT_GROUP, servedGroup } from './scheduler.js'
import { type AddResult, type PersistedTasks, TaskBook } from './task-book.js'
import type { EndedBy, TaskEntry } from './task-entry.js'
import { type StoredToken, TokenRegistry } from './tokens.js'

export type { PersistedTasks } from './task-book.js'
export type { TaskEntry } from './task-entry.js'

/** What the state file keeps: the task list, and the scoped tokens (digests; absent in files made before them). */
export type PersistedHub = PersistedTasks & { tokens?: StoredToken[] }

/** Who is asking for a task: a node's registered group (none: an upstream node) and how it got it. */
export interface Asker {
  group?: string
  explicit?: boolean
}

export class HubState {
  readonly tasks: TaskBook
  readonly nodes: NodeRegistry
  readonly tokens: TokenRegistry
  /** Instances' output lines sent on heartbeats (in memory only). */
  readonly logs: LogStore
  private readonly listeners = new Set<() => void>()

  constructor(initial?: PersistedHub, now: () => number = Date.now) {
    this.tasks = new TaskBook(initial, now)
    this.nodes = new NodeRegistry(now)
    this.tokens = new TokenRegistry(initial?.tokens, now)
    this.logs = new LogStore({}, now)
  }

  /** Drops nodes silent for `timeoutMs`, with their log rings; returns their ids. */
  sweepNodes(timeoutMs: number): string[] {
    const dropped = this.nodes.sweep(timeoutMs)
    for (const id of dropped) this.logs.dropNode(id)
    return dropped
  }

  snapshot(): PersistedHub {
    return { ...this.tasks.snapshot(), tokens: this.tokens.snapshot() }
  }

  /** Calls `fn` after every change of what nodes may be served; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Tells the listeners that tasks or nodes changed (every mutation below calls it). */
  changed(): void {
    for (const fn of [...this.listeners]) fn()
  }

  /** The task a group's nodes should run (the `default` group's by default), or null. */
  runningTask(group = DEFAULT_GROUP): TaskSpec | null {
    return this.tasks.running(group)?.spec ?? null
  }

  addTask(spec: TaskSpec, opts: { unique?: boolean } = {}): AddResult {
    const r = this.tasks.add(spec, opts)
    if ('started' in r) this.changed()
    return r
  }

  listTasks() {
    return this.tasks.list()
  }

  /** Completes a group's current task (the `default` group's by default) and starts the next. */
  finish(group = DEFAULT_GROUP, by: EndedBy = 'finish') {
    const r = this.tasks.finish(group, by)
    if (r) this.changed()
    return r
  }

  finishId(id: number, by: EndedBy) {
    const r = this.tasks.finishId(id, by)
    if (r) this.changed()
    return r
  }

  next(group = DEFAULT_GROUP) {
    const r = this.tasks.next(group)
    this.changed()
    return r
  }

  cancel(name: string) {
    const r = this.tasks.cancel(name)
    if ('ok' in r) this.changed()
    return r
  }

  setPriority(name: string, level: number) {
    const r = this.tasks.setPriority(name, level)
    if ('ok' in r) this.changed()
    return r
  }

  /** The running tasks that finish themselves once drained. */
  autoFinishing(): TaskEntry[] {
    return this.tasks.runningAll().filter((t) => t.spec.auto_finish === true)
  }

  /** The online nodes that run `group`'s task now. */
  nodesServing(group: string): NodeInfo[] {
    return this.nodes
      .list()
      .filter(
        (n) =>
          n.status === 'Online' &&
          this.groupServed(n.group ? { group: n.group, explicit: n.group_explicit } : {}) === group,
      )
  }

  /** The group whose task a node runs (see servedGroup). */
  groupServed(asker: Asker = {}): string {
    return servedGroup(asker.group, asker.explicit ?? true, (g) => this.tasks.running(g) !== undefined)
  }

  /**
   * The TaskConfig a node gets, or null: its group runs nothing, or runs a task the node cannot run. An "image" node
   * needs an image for its platform (images[platform] ?? image); a "command" node needs a command; a task with both
   * goes to either. A node without "command" never sees command, shell or cwd.
   */
  taskConfigFor(
    platform: string,
    capabilities: ReadonlySet<Capability> = UPSTREAM_CAPABILITIES,
    asker: Asker = {},
  ): TaskConfig | null {
    const task = this.runningTask(this.groupServed(asker))
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
    if (task.gpus != null) config.gpus = task.gpus
    if (capabilities.has('command')) {
      if (task.command != null) config.command = task.command
      if (task.shell != null) config.shell = task.shell
      if (task.cwd != null) config.cwd = task.cwd
    }
    return config
  }
}
