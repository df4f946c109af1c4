// Typed client for the ComputeHub HTTP API (undici), with errors that name the URL and the fix.
import type { Dispatcher } from 'undici'
import type {
  FinishResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  NextResponse,
  NodeInfo,
  RegisterRequest,
  RegisterResponse,
  RegisterTaskRequest,
  TaskConfig,
  TaskList,
  TaskSpec,
} from '../hub/protocol.js'
import { GridcoreError, oneLine } from '../lib/errors.js'

export interface HubClientOptions {
  url: string
  token: string
  /** Per-request timeout (connect + headers + body). */
  timeoutMs?: number
}

/** Checks a hub URL and returns it without a trailing slash. */
export function normalizeHubUrl(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new GridcoreError(
      'USAGE',
      `hub URL "${raw}" is not a valid URL: expected e.g. http://127.0.0.1:8080`,
    )
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GridcoreError('USAGE', `hub URL "${raw}" must start with http:// or https://`)
  }
  if (u.username || u.password) {
    throw new GridcoreError(
      'USAGE',
      'hub URL must not carry credentials: pass the token with --token instead',
    )
  }
  return u.toString().replace(/\/+$/, '')
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

export class HubClient {
  readonly url: string
  private readonly token: string
  private readonly timeoutMs: number

  constructor(opts: HubClientOptions) {
    this.url = normalizeHubUrl(opts.url)
    this.token = opts.token
    this.timeoutMs = opts.timeoutMs ?? 10_000
  }

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
  runningTask = async (platform: string): Promise<TaskConfig | null> => {
    let spec: TaskSpec | null
    try {
      spec = await this.json<TaskSpec | null>('GET', '/api/tasks/current')
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
   * GET /gridnode/task: the TaskConfig this node may run. With `nodeId` the hub serves it by the capabilities the
   * node registered; without, it answers as to an upstream node (image tasks only).
   */
  currentTask = (platform: string, nodeId?: string) =>
    this.json<TaskConfig | null>(
      'GET',
      `/gridnode/task?platform=${encodeURIComponent(platform)}${
        nodeId === undefined ? '' : `&node_id=${encodeURIComponent(nodeId)}`
      }`,
    )

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { body: text } = await this.call(method, path, body)
    try {
      return JSON.parse(text) as T
    } catch {
      throw new GridcoreError(
        'HUB_BAD_RESPONSE',
        `${this.url}${path} did not answer JSON: is this a ComputeHub?`,
      )
    }
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
  ): Promise<{ status: number; body: string }> {
    const where = `${this.url}${path.split('?')[0]}`
    const headers: Record<string, string> = {}
    if (auth) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let res: Dispatcher.ResponseData
    try {
      // Loaded on demand: undici costs ~100 ms of start-up that commands without the hub do not pay.
      const { request } = await import('undici')
      res = await request(`${this.url}${path}`, {
        method: method as 'GET',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (err) {
      throw this.unreachable(err as NodeJS.ErrnoException)
    }
    const text = await res.body.text()
    const status = res.statusCode
    if (status === 401) {
      throw new GridcoreError(
        'HUB_AUTH',
        `the hub at ${this.url} rejected the token (401): check the cluster's token (gridcore connect --token …)`,
      )
    }
    if (status >= 400) {
      const detail = oneLine(text) || `HTTP ${status}`
      throw new GridcoreError('HUB_REJECTED', `the hub rejected ${method} ${where} (${status}): ${detail}`, {
        status,
        body: text,
      })
    }
    return { status, body: text }
  }

  private unreachable(err: NodeJS.ErrnoException): GridcoreError {
    const code = err.code ?? err.name
    const timeout =
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'TimeoutError' ||
      code === 'UND_ERR_CONNECT_TIMEOUT'
    const why = timeout ? `no answer within ${this.timeoutMs} ms` : code
    return new GridcoreError(
      'HUB_UNREACHABLE',
      `cannot reach the hub at ${this.url} (${why}): is it running? check the URL, or start one with gridcore hub start`,
    )
  }
}
