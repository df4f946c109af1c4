// `gridcore worker` without oclif's start-up, which a run's first item would wait for (about 0.1 s, more on a busy
// machine): the plain form nodes start (`worker --filter CMD [--batch N] [--item-timeout D] [--max-attempts N]
// [--lease D] [--json]`) is read here; any other argv (help, a bad or unknown flag) goes through oclif as usual.
import { readFileSync } from 'node:fs'
import { parseDuration } from '../lib/duration.js'
import { GridcoreError, oneLine } from '../lib/errors.js'
import { redactText, redactUrl } from '../lib/redact.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { DIRECT_REDIS_ENV } from '../node/runtime.js'
import { consumerId, defaultOutputQueue } from '../queue/keys.js'
import { type FilterWorkerOptions, type FilterWorkerStats, runFilterWorker } from '../run/filter-worker.js'

export interface WorkerFlags {
  filter: string
  batch: number
  itemTimeoutMs: number
  maxAttempts: number
  /** How long a batch stays this worker's without a renewal (run --lease). */
  leaseMs: number
  json: boolean
}

export const WORKER_DEFAULTS = { batch: 100, itemTimeoutMs: 30_000, maxAttempts: 3, leaseMs: 30_000 } as const

const int = (min: number, max: number) => (v: string) =>
  /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined
const duration = (v: string) => {
  try {
    return parseDuration(v, '--item-timeout')
  } catch {
    return undefined
  }
}
/** A lease under 1 s goes through oclif, which refuses it in one line. */
const lease = (v: string) => {
  const ms = duration(v)
  return ms !== undefined && ms >= 1_000 ? ms : undefined
}
/** Each value flag: the field it sets and how its text reads (undefined: not valid here). */
const VALUE_FLAGS: Record<string, [keyof WorkerFlags, (v: string) => string | number | undefined]> = {
  '--filter': ['filter', (v) => v],
  '--batch': ['batch', int(1, 5000)],
  '--item-timeout': ['itemTimeoutMs', duration],
  '--max-attempts': ['maxAttempts', int(1, Number.MAX_SAFE_INTEGER)],
  '--lease': ['leaseMs', lease],
}

/** The flags of a plain worker argv (after `worker`), or undefined for anything oclif should handle. */
export function parseWorkerArgv(argv: string[]): WorkerFlags | undefined {
  const f: Record<string, unknown> = { ...WORKER_DEFAULTS, json: false }
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined]
    if (name === '--json' && inline === undefined) {
      f.json = true
      continue
    }
    const flag = VALUE_FLAGS[name]
    const text = inline ?? argv[++i]
    if (!flag || text === undefined) return undefined
    const value = flag[1](text)
    if (value === undefined) return undefined
    f[flag[0]] = value
  }
  return typeof f.filter === 'string' && f.filter ? (f as unknown as WorkerFlags) : undefined
}

/** The worker's options from its flags and the env vars the node sets, and the passwords errors must not show. */
export function workerOptions(
  f: Omit<WorkerFlags, 'json'>,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): { options: FilterWorkerOptions; secrets: string[] } {
  if (!env.INPUT_REDIS_URL || !env.INPUT_QUEUE)
    throw new GridcoreError('CONFIG', 'INPUT_REDIS_URL and INPUT_QUEUE must be set (the node sets them)')
  const log = (line: string) => process.stderr.write(`gridcore worker: ${line}\n`)
  const urls = redisUrls(env, log)
  // The filter is the task's code: it gets the upstream variables, not the cluster's password.
  const filterEnv = { ...env }
  for (const name of Object.values(DIRECT_REDIS_ENV)) delete filterEnv[name]
  const options: FilterWorkerOptions = {
    command: f.filter,
    redisUrl: urls.input,
    outputRedisUrl: urls.output || undefined,
    caPem: urls.caPem,
    inputQueue: env.INPUT_QUEUE,
    outputQueue: env.OUTPUT_QUEUE || defaultOutputQueue(env.INPUT_QUEUE),
    consumer: consumerId(env.NODE_ID ?? 'local', env.INSTANCE_ID ?? '0'),
    batchSize: f.batch,
    itemTimeoutMs: f.itemTimeoutMs,
    maxAttempts: f.maxAttempts,
    leaseMs: f.leaseMs,
    env: filterEnv,
    signal,
    log,
  }
  return { options, secrets: [urls.input, urls.output].flatMap((u) => (u ? passwordsOf(u) : [])) }
}

/**
 * The Redis URLs to use: the cluster's rediss:// ones with its CA when the node passed them (no proxy hop, the
 * faster way), else the upstream variables (the node's loopback proxy, or a plain Redis).
 */
function redisUrls(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): { input: string; output?: string; caPem?: string } {
  const upstream = { input: env.INPUT_REDIS_URL!, output: env.OUTPUT_REDIS_URL }
  const direct = env[DIRECT_REDIS_ENV.input]
  if (!direct) return upstream
  const caFile = env[DIRECT_REDIS_ENV.caFile]
  let caPem: string | undefined
  if (caFile) {
    try {
      caPem = readFileSync(caFile, 'utf8')
    } catch (err) {
      log(
        `cannot read the cluster CA ${caFile} (${(err as NodeJS.ErrnoException).code}); using the node's loopback proxy`,
      )
      return upstream
    }
  }
  log(`Redis over TLS directly: ${redactUrl(direct)}`)
  return { input: direct, output: env[DIRECT_REDIS_ENV.output] ?? upstream.output, caPem }
}

function passwordsOf(url: string): string[] {
  if (!URL.canParse(url)) return []
  const pw = new URL(url).password
  return pw ? [pw, decodeURIComponent(pw)] : []
}

/** Runs the worker for a plain argv and returns its exit code; undefined when oclif should take the argv. */
export async function workerMain(argv: string[]): Promise<number | undefined> {
  const flags = parseWorkerArgv(argv)
  if (!flags) return undefined
  const stop = new AbortController()
  waitForShutdownSignal().then(() => stop.abort())
  let secrets: string[] = []
  try {
    const w = workerOptions(flags, process.env, stop.signal)
    secrets = w.secrets
    const stats: FilterWorkerStats = await runFilterWorker(w.options)
    if (flags.json) process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`)
    return 0
  } catch (err) {
    // As every command reports an error: one line on stderr, the JSON error on stdout under --json.
    const e =
      err instanceof GridcoreError
        ? err
        : new GridcoreError(
            'INTERNAL',
            `unexpected error: ${oneLine((err as Error).message)}; rerun with GRIDCORE_DEBUG=1 and report it`,
          )
    const message = redactText(oneLine(e.message), secrets)
    process.stderr.write(`gridcore: ${message}\n`)
    if (process.env.GRIDCORE_DEBUG && e.code === 'INTERNAL') process.stderr.write(`${(err as Error).stack}\n`)
    if (flags.json)
      process.stdout.write(
        `${JSON.stringify({ error: { code: e.code, message, exit_code: e.exitCode, ...e.details } }, null, 2)}\n`,
      )
    return e.exitCode
  }
}
