// The ComputeHub wire format (upstream IDM-GridCore v0.3.0) plus gridcore's additive, optional fields.
import { createHash } from 'node:crypto'

export type TaskStatus = 'Pending' | 'Running' | 'Completed'
export type RuntimeStatus = 'Running' | 'Idle' | 'Error'
export type NodeStatus = 'Online' | 'Offline'
/** What a node can run: container images, or process tasks (`command`/`shell`/`cwd`). */
export type Capability = 'image' | 'command'
export const CAPABILITIES: readonly Capability[] = ['image', 'command']

/** A task as registered through POST /api/tasks. */
export interface TaskSpec {
  name: string
  image?: string | null
  images?: Record<string, string> | null
  input_redis?: string | null
  output_redis?: string | null
  input_queue?: string | null
  output_queue?: string | null
  /** gridcore extension: argv (or a shell string when `shell` is true) for process-runtime nodes. */
  command?: string[] | string | null
  /** gridcore extension: run a string `command` through /bin/sh. */
  shell?: boolean | null
  /** gridcore extension: working directory for process-runtime instances (used when it exists on the node). */
  cwd?: string | null
  /** gridcore extension: 0 CRITICAL, 1 HIGH, 2 NORMAL (absent), 3 LOW, 4 IDLE. */
  priority?: number | null
  /** gridcore extension: the worker group whose nodes run it (absent: `default`). */
  group?: string | null
  /** gridcore extension: names of earlier tasks that must be completed before this one starts. */
  after?: string[] | null
  /** gridcore extension: the hub finishes the task once its queues are drained (and stay so for the settle time). */
  auto_finish?: boolean | null
  /** gridcore extension: seconds the queues must stay drained before an auto-finish (absent: the hub's default). */
  auto_finish_settle?: number | null
  /** gridcore extension: GPUs each container gets (a count, or "all"); Docker nodes with NVIDIA GPUs run it. */
  gpus?: Gpus | null
}

/** gridcore extension: GPUs a task asks for per instance: a count (at least 1), or every GPU of the node. */
export type Gpus = number | 'all'

/** The body of POST /api/tasks: a task, plus gridcore's request-only flag. */
export interface RegisterTaskRequest extends TaskSpec {
  /** gridcore extension: refuse (409) when a task of this name is already pending or running. */
  unique?: boolean
}

/** What a node receives from /gridnode/register and /gridnode/task. */
export interface TaskConfig {
  task_name: string
  image: string
  redis_url: string | null
  input_redis: string | null
  output_redis: string | null
  input_queue: string | null
  output_queue: string | null
  command?: string[] | string
  shell?: boolean
  cwd?: string
  /** gridcore extension: GPUs per instance (passed through from the task). */
  gpus?: Gpus
}

export interface TaskList {
  current: string | null
  pending: string[]
  completed: string[]
  /** gridcore extension, present only when a task is outside the `default` group: every group's own lists. */
  groups?: Record<string, GroupTasks>
}

/** gridcore extension: one worker group's tasks (pending in the order they would start). */
export interface GroupTasks {
  current: string | null
  pending: string[]
  completed: string[]
  cancelled: string[]
}

/** gridcore extension: a task's status on the hub; `Cancelled` tasks left the queue before they ran. */
export type TaskState = TaskStatus | 'Cancelled'

/** gridcore extension: GET /api/tasks/{name}, what the hub knows about one task. */
export interface TaskDetails {
  name: string
  status: TaskState
  priority: number
  priority_name: string
  group: string
  after: string[]
  /** Dependencies not completed yet; a cancelled one is named with " (cancelled)": it will never complete. */
  waiting_for: string[]
  auto_finish: boolean
  /** Place among its group's pending tasks (1 = starts next), or null when not pending. */
  position: number | null
  /** null for a task registered before the hub kept times. */
  registered_at: string | null
  started_at: string | null
  finished_at: string | null
  /** How it ended: `finish` (task finish or /api/tasks/next), `auto-finish`, `cancel`; null while not ended. */
  ended_by: 'finish' | 'auto-finish' | 'cancel' | null
  /** Times a more urgent task took its place while it ran. */
  preemptions: number
  spec: TaskSpec
}

export interface FinishResponse {
  completed: string
  started: string | null
  message: string
}

export interface NextResponse {
  previous: string
  current: string
}

export interface NodeInfo {
  id: string
  hostname: string
  architecture: string
  cpu_count: number
  last_seen: string
  status: NodeStatus
  runtime_status: RuntimeStatus | null
  active_containers: number
  /** gridcore extension: the node's group, when it reported one. */
  group?: string
  /** gridcore extension: whether that group was set explicitly (false: auto-detected, may run `default` tasks). */
  group_explicit?: boolean
  /** gridcore extension: what the node said it can run when it registered (absent: an upstream node). */
  capabilities?: string[]
  /** gridcore extension: the latest instance failure the node reported, for any task. */
  runtime_error?: RuntimeErrorReport
  /**
   * gridcore extension: the address the hub saw the node's latest register or heartbeat come from (for nodes that
   * declared capabilities: an upstream node's entry keeps upstream's shape).
   */
  address?: string
  /** gridcore extension: GPUs the node found (nvidia-smi), when it reported them. */
  gpus?: number
}

/** gridcore extension: why a node's instances of a task fail, sent with its heartbeats. */
export interface RuntimeErrorReport {
  /** task_name the failure belongs to. */
  task: string
  /** Last lines of the failing instance's stderr+stdout (<= 20 lines, <= 4096 bytes), or the start error. */
  message: string
  exit_code: number | null
  signal: string | null
  /** Instances of this task that exited non-zero or failed to start on this node since it began running it. */
  failed_instances: number
  /** The instance log file on the node, when there is one. */
  log_path: string | null
  /** RFC 3339 time of the failure. */
  at: string
}

export interface RegisterRequest {
  node_id?: string | null
  hostname: string
  architecture: string
  cpu_count: number
  /** gridcore extension: the node's worker group (OS, runtime or capability label). */
  group?: string | null
  /** gridcore extension: true when the group was set (config, flag, WORKER_GROUP), false when auto-detected. */
  group_explicit?: boolean | null
  /** gridcore extension: what this node can run; absent means an upstream node (["image"]). */
  capabilities?: string[]
  /** gridcore extension: GPUs the node found with nvidia-smi (absent: it found no nvidia-smi). */
  gpus?: number
}

export interface RegisterResponse {
  node_id: string
  current_task: TaskConfig | null
}

export interface HeartbeatRequest {
  node_id: string
  status: RuntimeStatus
  active_containers: number
  /** gridcore extension: the node's latest failure report for its current task (null/absent: none). */
  runtime_error?: RuntimeErrorReport | null
  /** gridcore extension: instances' output lines since the previous heartbeat, per task and instance. */
  logs?: LogBatch[]
}

export interface HeartbeatResponse {
  stop_requested: boolean
  /** gridcore extension: present and true when the hub does not know this node; register again. */
  reregister?: boolean
  /** gridcore extension, present when the heartbeat carried `logs`: how many of their lines the hub kept. */
  logs_accepted?: number
}

/** gridcore extension: one instance's output lines for one task, sent on a heartbeat. */
export interface LogBatch {
  /** task_name the instance runs. */
  task: string
  /** The instance's index on the node. */
  instance: number
  /** Oldest first. */
  lines: LogLine[]
  /** Lines the node dropped for this task and instance since its previous batch (its own bound). */
  dropped: number
}

/** gridcore extension: one output line of an instance. */
export interface LogLine {
  /** RFC 3339 time the node read it. */
  at: string
  stream: 'stdout' | 'stderr'
  /** One line without its newline, at most 4096 bytes (a longer one is cut and ends with "…"). */
  text: string
}

/** gridcore extension: a log line as GET /api/logs answers it. */
export interface StoredLogLine {
  /** Hub-wide, increasing: `after=seq` asks for the lines after this one. */
  seq: number
  at: string
  node: string
  hostname: string
  task: string
  instance: number
  stream: 'stdout' | 'stderr'
  text: string
}

/** gridcore extension: GET /api/logs. */
export interface LogsResponse {
  lines: StoredLogLine[]
  /** Lines lost for the rings asked about: dropped by the nodes (their bound) or by the hub (its ring bound). */
  dropped: number
  /** The `after` of the next call: every line up to it was answered or matches nothing asked. */
  next: number
}

/** Docker platform for a node architecture, as upstream maps it (unknown -> linux/amd64). */
export function platformForArch(arch: string): string {
  switch (arch) {
    case 'x86_64':
      return 'linux/amd64'
    case 'aarch64':
      return 'linux/arm64'
    case 'arm':
      return 'linux/arm/v7'
    default:
      return 'linux/amd64'
  }
}

/** Node's process.arch in the names upstream nodes report (Rust's std::env::consts::ARCH). */
export function archOfThisMachine(): string {
  const map: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'arm', ia32: 'x86' }
  return map[process.arch] ?? process.arch
}

/**
 * gridcore extension: a short fingerprint of a /gridnode/task answer. A long-polling node sends the one of the task
 * it runs as `known`; the hub holds the poll while its answer has that fingerprint.
 */
export function taskFingerprint(config: TaskConfig | null): string {
  return config === null
    ? 'none'
    : createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16)
}
