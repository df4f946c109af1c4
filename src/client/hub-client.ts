// Typed client for the ComputeHub HTTP API: upstream's routes and gridcore's additions, over HubTransport.
import type {
  FinishResponse,
  GroupTasks,
  HeartbeatRequest,
  HeartbeatResponse,
  LogsResponse,
  NextResponse,
  NodeInfo,
  RegisterRequest,
  RegisterResponse,
  RegisterTaskRequest,
  TaskConfig,
  TaskDetails,
  TaskList,
  TaskSpec,
} from '../hub/protocol.js'
import { GridcoreError, oneLine } from '../lib/errors.js'
import { HubTransport } from './hub-transport.js'

/** GET /api/whoami (gridcore hubs): the calling token's role and name. */
export interface WhoAmI {
  role: 'admin' | 'submit' | 'node' | 'read'
  name: string
}

/** A scoped token as the hub lists it (never its text or digest). */
export interface TokenInfo {
  name: string
  role: WhoAmI['role']
  created: string
  expires: string | null
  last_used: string | null
  expired: boolean
}

/** What GET /api/logs is asked for (gridcore hubs). */
export interface LogsQuery {
  nodes?: string[]
  tasks?: string[]
  instance?: number
  /** Lines after this seq; absent: the last `limit` lines. */
  after?: number
  /** Seconds the hub may hold the answer until a line arrives (<= 30). */
  waitS?: number
  limit?: number
  signal?: AbortSignal
}

/** GET /api/ledger (gridcore hubs): what each node committed to one task. */
export interface LedgerAnswer {
  task: string
  group: string
  status: string
  input_queue: string | null
  read_at: string | null
  /** Why the ledger could not be read (then `nodes` is empty). */
  error: string | null
  nodes: { node: string; hostname: string | null; done: number; failed: number }[]
  totals: { done: number; failed: number }
}

/** The TaskConfig a node of `platform` able to run anything would get for `spec`. */
function configOf(spec: TaskSpec, platform: string): TaskConfig {
  const images = spec.images
  const config: TaskConfig = {
    task_name: spec.name,
    image: (images && Object.hasOwn(images, platform) ? images[platform] : undefined) ?? spec.image ?? '',
    redis_url: null,
    input_redis: spec.input_redis ?? null,
    output_redis: spec.output_redis ?? null,
    input_queue: spec.input_queue ?? null,
    output_queue: spec.output_queue ?? null,
  }
  if (spec.command != null) config.command = spec.command
  if (spec.shell != null) config.shell = spec.shell
  if (spec.cwd != null) config.cwd = spec.cwd
  return config
}

export class HubClient extends HubTransport {
  /** GET /health: true when the hub answers OK; throws HUB_UNREACHABLE otherwise. */
  async health(): Promise<true> {
    const { status, body } = await this.call('GET', '/health', undefined, false)
    if (status !== 200 || body.trim() !== 'OK') {
      throw new GridcoreError(
        'HUB_BAD_RESPONSE',
        `${this.url}/health answered ${status} "${oneLine(body).slice(0, 80)}", not OK: is this a ComputeHub?`,
      )
    }
    return true
  }

  listTasks = () => this.json<TaskList>('GET', '/api/tasks')
  /**
   * POST /api/tasks. With `unique: true` the hub refuses a name that is already pending or running: that 409 is a
   * HUB_REJECTED error naming the task that holds the name (details.conflict = the name).
   */
  registerTask = async (req: RegisterTaskRequest): Promise<void> => {
    try {
      await this.call('POST', '/api/tasks', req)
    } catch (err) {
      if (err instanceof GridcoreError && err.details?.status === 409) {
        throw new GridcoreError(
          'HUB_REJECTED',
          `task '${req.name}' is already pending or running on the hub at ${this.url}: ` +
            `wait for it (gridcore watch), finish it (gridcore task finish), or pick another name`,
          { status: 409, conflict: req.name },
        )
      }
      throw err
    }
  }
  /**
   * The running task's config for tools (status, data-plane commands), whatever kind of node could run it:
   * gridcore's GET /api/tasks/current, or on an upstream hub (404 there) GET /gridnode/task?platform=.
   */
  runningTask = async (platform: string, group?: string): Promise<TaskConfig | null> => {
    let spec: TaskSpec | null
    try {
      const q = group === undefined ? '' : `?group=${encodeURIComponent(group)}`
      spec = await this.json<TaskSpec | null>('GET', `/api/tasks/current${q}`)
    } catch (err) {
      if (err instanceof GridcoreError && err.details?.status === 404) return this.currentTask(platform)
      throw err
    }
    return spec && configOf(spec, platform)
  }
  finishTask = () => this.json<FinishResponse>('POST', '/api/tasks/finish')
  nextTask = () => this.json<NextResponse>('POST', '/api/tasks/next')
  listNodes = () => this.json<NodeInfo[]>('GET', '/api/nodes')
  stopNode = async (id: string): Promise<void> => {
    await this.call('POST', `/api/nodes/${encodeURIComponent(id)}/stop`)
  }
  register = (req: RegisterRequest) => this.json<RegisterResponse>('POST', '/gridnode/register', req)
  heartbeat = (req: HeartbeatRequest) => this.json<HeartbeatResponse>('POST', '/gridnode/heartbeat', req)
  /**
   * GET /gridnode/task: the TaskConfig this node may run. With `nodeId` the hub serves it by the capabilities and
   * group the node registered; without, it answers as to an upstream node (image tasks only, the `default` group).
   * With `poll.waitS` a gridcore hub holds the answer until it differs from `poll.known` (a taskFingerprint) or the
   * wait ends; other hubs answer at once.
   */
  currentTask = (
    platform: string,
    nodeId?: string,
    poll: {
      group?: string
      groupExplicit?: boolean
      waitS?: number
      known?: string
      signal?: AbortSignal
    } = {},
  ) => {
    const q = new URLSearchParams({ platform })
    if (nodeId !== undefined) q.set('node_id', nodeId)
    if (poll.group) q.set('group', poll.group)
    if (poll.group && poll.groupExplicit === false) q.set('group_explicit', 'false')
    if (poll.waitS) q.set('wait', String(poll.waitS))
    if (poll.known) q.set('known', poll.known)
    return this.json<TaskConfig | null>('GET', `/gridnode/task?${q}`, undefined, {
      timeoutMs: this.timeoutMs + (poll.waitS ?? 0) * 1000,
      signal: poll.signal,
    })
  }
  /** gridcore hubs: one task's details (404: no such task). */
  taskDetails = (name: string) => this.json<TaskDetails>('GET', `/api/tasks/${encodeURIComponent(name)}`)
  /** gridcore hubs: one group's lists. */
  groupTasks = (group: string) =>
    this.json<GroupTasks>('GET', `/api/tasks?group=${encodeURIComponent(group)}`)
  /** gridcore hubs: the nodes of one group (a node that named none is in `default`). */
  groupNodes = (group: string) =>
    this.json<NodeInfo[]>('GET', `/api/nodes?group=${encodeURIComponent(group)}`)
  /** gridcore hubs: cancels a pending task; names the pending tasks left waiting for it. */
  cancelTask = (name: string) =>
    this.json<{ cancelled: string; blocked: string[] }>('POST', '/api/tasks/cancel', { name })
  /** gridcore hubs: moves a pending task to another priority level. */
  setPriority = (name: string, priority: number) =>
    this.json<TaskDetails>('POST', '/api/tasks/priority', { name, priority })
  /** gridcore hubs: finishes another group's current task, or a running task by name. */
  finishIn = (which: { group: string } | { name: string }) =>
    this.json<FinishResponse>('POST', '/api/tasks/finish', which)

  /** GET /api/whoami: the token's role and name; null from a hub without scoped tokens (upstream: 404). */
  whoami = async (): Promise<WhoAmI | null> => {
    try {
      return await this.json<WhoAmI>('GET', '/api/whoami')
    } catch (err) {
      if (err instanceof GridcoreError && err.details?.status === 404) return null
      throw err
    }
  }
  /** GET /api/cluster: the cluster's Redis URL (password included) for submit and admin tokens; null when unknown. */
  clusterRedisUrl = async (): Promise<string | null> => {
    try {
      return (await this.json<{ redis_url: string | null }>('GET', '/api/cluster')).redis_url ?? null
    } catch (err) {
      if (err instanceof GridcoreError && err.details?.status === 404) return null
      throw err
    }
  }
  /** gridcore hubs: the status page's one call (nodes with their ledger, groups with progress). */
  overview = <T = unknown>() => this.json<T>('GET', '/api/overview')
  /** gridcore hubs: a task's contribution ledger (by name, else the default group's running task). */
  ledger = (task?: string) =>
    this.json<LedgerAnswer>(
      'GET',
      `/api/ledger${task === undefined ? '' : `?task=${encodeURIComponent(task)}`}`,
    )
  /** gridcore hubs: instances' log lines; with `after` and `waitS` the hub holds the answer until one arrives. */
  logs = (q: LogsQuery = {}) => {
    const p = new URLSearchParams()
    for (const n of q.nodes ?? []) p.append('node', n)
    for (const t of q.tasks ?? []) p.append('task', t)
    if (q.instance !== undefined) p.set('instance', String(q.instance))
    if (q.after !== undefined) p.set('after', String(q.after))
    if (q.waitS) p.set('wait', String(q.waitS))
    if (q.limit !== undefined) p.set('limit', String(q.limit))
    const qs = p.toString()
    return this.json<LogsResponse>('GET', `/api/logs${qs ? `?${qs}` : ''}`, undefined, {
      timeoutMs: this.timeoutMs + (q.waitS ?? 0) * 1000,
      signal: q.signal,
    })
  }
  createToken = (req: { role: WhoAmI['role']; name?: string; expires_in?: number }) =>
    this.json<TokenInfo & { token: string }>('POST', '/api/tokens', req)
  listTokens = () => this.json<TokenInfo[]>('GET', '/api/tokens')
  revokeToken = async (name: string): Promise<void> => {
    await this.call('POST', `/api/tokens/${encodeURIComponent(name)}/revoke`)
  }
}
