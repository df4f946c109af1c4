// What a node runtime is: it can tell whether it runs a task, start one instance of it, and clean up.
import type { Capability, TaskConfig } from '../hub/protocol.js'

export interface InstanceSpec {
  task: TaskConfig
  nodeId: string
  instance: number
  /** The upstream env vars: TASK_NAME, NODE_ID, INSTANCE_ID, INPUT/OUTPUT_REDIS_URL, INPUT/OUTPUT_QUEUE. */
  env: Record<string, string>
  /** Where the instance's output goes as it arrives (the node's remote-log buffer), besides its log file. */
  output?: OutputSink
}

/** Receives an instance's output chunks by stream; end() once the instance is gone (flushes partial lines). */
export interface OutputSink {
  write(stream: 'stdout' | 'stderr', chunk: Buffer): void
  end(): void
}

export interface Exit {
  code: number | null
  signal: string | null
  /** The last lines of its output (stderr and stdout, bounded: see output-tail.ts); '' when none was kept. */
  output: string
}

export interface RunningInstance {
  /** Resolves once the instance has exited (for any reason). */
  exited: Promise<Exit>
  /** SIGTERM, wait up to timeoutMs, SIGKILL; resolves once it is gone and cleaned up. */
  stop(timeoutMs: number): Promise<void>
  /** Its log file on this node, when it has one. */
  logPath: string | null
}

/** An instance that could not start; the message says why (e.g. "spawn python3 ENOENT", "image not found"). */
export class StartError extends Error {
  constructor(
    message: string,
    readonly logPath: string | null = null,
  ) {
    super(message)
  }
}

export interface Runtime {
  readonly name: 'docker' | 'process' | 'auto'
  /** What it runs, declared to the hub on register: "command" (process tasks), "image" (containers). */
  capabilities(): Capability[]
  /** Why this node cannot run the task, or null when it can. */
  cannotRun(task: TaskConfig): string | null
  start(spec: InstanceSpec): Promise<RunningInstance>
  /** Removes what an earlier crash of this node left behind (processes, containers); returns how many. */
  cleanupLeftovers(nodeId: string): Promise<number>
}

/** The env vars upstream GridNode gives every container, exactly. */
export function instanceEnv(task: TaskConfig, nodeId: string, instance: number): Record<string, string> {
  const env: Record<string, string> = {
    TASK_NAME: task.task_name,
    NODE_ID: nodeId,
    INSTANCE_ID: String(instance),
  }
  if (task.input_redis) env.INPUT_REDIS_URL = task.input_redis
  if (task.output_redis) env.OUTPUT_REDIS_URL = task.output_redis
  if (task.input_queue) env.INPUT_QUEUE = task.input_queue
  if (task.output_queue) env.OUTPUT_QUEUE = task.output_queue
  return env
}

/**
 * gridcore's additions to a command task's environment on a node that proxies TLS Redis: the cluster's rediss://
 * URLs (password included) and the CA file, so gridcore's own worker can skip the loopback proxy. Upstream
 * consumers and the templates keep using INPUT_REDIS_URL / OUTPUT_REDIS_URL, the proxy.
 */
export const DIRECT_REDIS_ENV = {
  input: 'GRIDCORE_INPUT_REDIS_URL',
  output: 'GRIDCORE_OUTPUT_REDIS_URL',
  caFile: 'GRIDCORE_REDIS_CA_FILE',
} as const
