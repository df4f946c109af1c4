// GET /metrics: the hub's state in Prometheus text format through prom-client (a registry of its own): tasks,
// nodes, heartbeats, registrations, the running tasks' queues and ledgers (from the queue reader's cache), log
// lines, and requests by route pattern and status (never by raw path, so no client can grow the label set).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { QueueStats } from './queue-stats.js'
import { DEFAULT_GROUP } from './scheduler.js'
import type { HubState } from './state.js'
import { groupOf } from './task-views.js'

const TASK_STATES = ['Pending', 'Running', 'Completed', 'Cancelled'] as const
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
/** Per task, at most this many nodes get series of their own; the rest are summed as node="(other)". */
export const MAX_NODE_SERIES = 1000

/** Sets a counter read from elsewhere (Redis, a store) to `value`: prom-client counters only go up. */
const setCounter = <T extends string>(c: Counter<T>, labels: Partial<Record<T, string>>, value: number) =>
  c.inc(labels as Record<T, string>, Math.max(0, value))

export class HubMetrics {
  readonly registry = new Registry()
  readonly heartbeats: Counter
  readonly registrations: Counter
  private readonly requests: Histogram<'method' | 'route' | 'status'>
  private processMetrics = false

  constructor(state: HubState, stats: QueueStats) {
    const registers = [this.registry]
    this.heartbeats = new Counter({
      name: 'gridcore_hub_heartbeats_total',
      help: 'Heartbeats received from registered nodes.',
      registers,
    })
    this.registrations = new Counter({
      name: 'gridcore_hub_registrations_total',
      help: 'Node registrations (a node registers again after a hub restart or once forgotten).',
      registers,
    })
    this.requests = new Histogram({
      name: 'gridcore_hub_request_duration_seconds',
      help: 'Requests answered, by method, route pattern and status (long polls include their wait).',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    })
    new Gauge({
      name: 'gridcore_hub_tasks',
      help: 'Tasks by worker group and state.',
      labelNames: ['group', 'state'],
      registers,
      collect() {
        this.reset()
        const tasks = state.tasks.all()
        for (const group of new Set([DEFAULT_GROUP, ...tasks.map(groupOf)]))
          for (const s of TASK_STATES)
            this.set(
              { group, state: s.toLowerCase() },
              tasks.filter((t) => groupOf(t) === group && t.status === s).length,
            )
      },
    })
    new Gauge({
      name: 'gridcore_hub_nodes',
      help: 'Registered nodes by status, runtime status (none: not reported yet) and worker group.',
      labelNames: ['status', 'runtime_status', 'group'],
      registers,
      collect() {
        this.reset()
        for (const n of state.nodes.list()) {
          this.inc({
            status: n.status,
            runtime_status: n.runtime_status ?? 'none',
            group: n.group ?? DEFAULT_GROUP,
          })
        }
      },
    })
    new Gauge({
      name: 'gridcore_hub_node_instances',
      help: 'Instances the nodes say they run, by worker group.',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset()
        for (const n of state.nodes.list()) this.inc({ group: n.group ?? DEFAULT_GROUP }, n.active_containers)
      },
    })
    const running = () => state.tasks.runningAll().map((t) => ({ t, r: stats.readingOf(t.id) }))
    /** The running tasks whose queues were read, with their task/group labels. */
    const readings = () =>
      running().flatMap(({ t, r }) =>
        r && !('error' in r) ? [{ labels: { task: t.spec.name, group: groupOf(t) }, r }] : [],
      )
    new Gauge({
      name: 'gridcore_task_queue_up',
      help: 'Whether the running task queues could be read from Redis (1) or not (0).',
      labelNames: ['task', 'group'],
      registers,
      collect() {
        this.reset()
        for (const { t, r } of running())
          this.set({ task: t.spec.name, group: groupOf(t) }, r && !('error' in r) ? 1 : 0)
      },
    })
    new Gauge({
      name: 'gridcore_task_queue_length',
      help: 'Items in the running task lists: input, suspects (waiting again), processing, output, failed, dead.',
      labelNames: ['task', 'group', 'queue'],
      registers,
      collect() {
        this.reset()
        for (const { labels, r } of readings()) {
          for (const q of ['input', 'suspects', 'processing', 'output', 'failed', 'dead'] as const)
            this.set({ ...labels, queue: q }, r[q])
        }
      },
    })
    new Counter({
      name: 'gridcore_task_items_total',
      help: 'The running task items at an end: done (a result), failed, dead; pushed (counted by gridcore push).',
      labelNames: ['task', 'group', 'state'],
      registers,
      collect() {
        this.reset()
        for (const { labels, r } of readings()) {
          const failed = r.stats.failed ?? 0
          const dead = r.stats.dead ?? 0
          setCounter(this, { ...labels, state: 'done' }, r.done - failed - dead)
          setCounter(this, { ...labels, state: 'failed' }, failed)
          setCounter(this, { ...labels, state: 'dead' }, dead)
          setCounter(this, { ...labels, state: 'pushed' }, r.stats.pushed ?? 0)
        }
      },
    })
    new Gauge({
      name: 'gridcore_task_items_expected',
      help: 'Items the running task is known to have (pushed, or more when more were seen).',
      labelNames: ['task', 'group'],
      registers,
      collect() {
        this.reset()
        for (const { labels, r } of readings()) this.set(labels, r.total)
      },
    })
    new Counter({
      name: 'gridcore_node_items_total',
      help: 'Items each node committed for the running task (the contribution ledger): done or failed.',
      labelNames: ['task', 'group', 'node', 'result'],
      registers,
      collect() {
        this.reset()
        for (const { labels: task, r } of readings()) {
          const entries = Object.entries(r.ledger)
          const other = { done: 0, failed: 0 }
          for (const [i, [node, e]] of entries.entries()) {
            if (i >= MAX_NODE_SERIES) {
              other.done += e.done
              other.failed += e.failed
              continue
            }
            const labels = { ...task, node }
            setCounter(this, { ...labels, result: 'done' }, e.done)
            setCounter(this, { ...labels, result: 'failed' }, e.failed)
          }
          if (entries.length > MAX_NODE_SERIES) {
            const labels = { ...task, node: '(other)' }
            setCounter(this, { ...labels, result: 'done' }, other.done)
            setCounter(this, { ...labels, result: 'failed' }, other.failed)
          }
        }
      },
    })
    new Counter({
      name: 'gridcore_hub_log_lines_received_total',
      help: 'Instance output lines nodes sent on heartbeats.',
      registers,
      collect() {
        this.reset()
        setCounter(this, {}, state.logs.counters.received)
      },
    })
    new Counter({
      name: 'gridcore_hub_log_lines_dropped_total',
      help: 'Output lines lost: by the nodes (their bound) or by the hub (ring bounds, evicted rings, unknown tasks).',
      labelNames: ['by'],
      registers,
      collect() {
        this.reset()
        setCounter(this, { by: 'node' }, state.logs.counters.droppedByNodes)
        setCounter(this, { by: 'hub' }, state.logs.counters.droppedByHub)
      },
    })
    new Gauge({
      name: 'gridcore_hub_log_rings',
      help: 'Log rings kept (one per node and task).',
      registers,
      collect() {
        this.set(state.logs.ringCount)
      },
    })
  }

  /** Adds the process's own metrics (CPU, memory, event loop lag): once, for a hub that serves sockets. */
  withProcessMetrics(): this {
    if (!this.processMetrics) collectDefaultMetrics({ register: this.registry })
    this.processMetrics = true
    return this
  }

  /** One answered request; `route` is the matched pattern (e.g. /api/tasks/{name}) or a fixed word. */
  recordRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe(
      { method: METHODS.has(method) ? method : 'OTHER', route, status: String(status) },
      seconds,
    )
  }

  get contentType(): string {
    return this.registry.contentType
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }
}
