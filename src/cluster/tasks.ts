// Tasks on the hub: flag values -> a checked upstream TaskSpec; finishing only a task that runs.
import type { HubClient } from '../client/hub-client.js'
import type { FinishResponse, Gpus, TaskSpec } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import { parseRedisUrl } from '../redis/url.js'

export interface TaskInput {
  name: string
  image?: string
  platformImages?: string[]
  inputRedis?: string
  outputRedis?: string
  inputQueue?: string
  outputQueue?: string
  command?: string
  shell?: boolean
  cwd?: string
  /** --gpus: a count or "all" (checked by gpusArg). */
  gpus?: string
}

const PLATFORM_IMAGE = /^([a-z0-9]+\/[a-z0-9_]+(?:\/v\d+)?)=(\S+)$/

export function parsePlatformImage(value: string): [string, string] {
  const m = PLATFORM_IMAGE.exec(value.trim())
  if (!m) {
    throw new GridcoreError(
      'USAGE',
      `--platform-image "${value}" is not PLATFORM=IMAGE: expected e.g. linux/arm64=registry/app:1.0-arm64`,
    )
  }
  return [m[1]!, m[2]!]
}

/** Builds the spec; the input Redis defaults to the cluster profile's Redis URL. */
export function buildTaskSpec(input: TaskInput, defaultRedis?: string): TaskSpec {
  if (!input.name.trim()) throw new GridcoreError('USAGE', 'the task name is empty: pass --name NAME')
  const spec: TaskSpec = { name: input.name }
  if (input.image) spec.image = input.image
  if (input.platformImages?.length)
    spec.images = Object.fromEntries(input.platformImages.map(parsePlatformImage))
  if (!spec.image && !spec.images && !input.command) {
    throw new GridcoreError(
      'USAGE',
      'a task needs something to run: pass --image IMAGE, --platform-image PLATFORM=IMAGE or --command',
    )
  }
  const inputRedis = input.inputRedis ?? defaultRedis
  if (input.inputRedis) parseRedisUrl(input.inputRedis, { where: '--input-redis' })
  else if (defaultRedis) parseRedisUrl(defaultRedis, { where: "the cluster's Redis URL", code: 'CONFIG' })
  if (input.outputRedis) parseRedisUrl(input.outputRedis, { where: '--output-redis' })
  if (inputRedis) spec.input_redis = inputRedis
  if (input.outputRedis) spec.output_redis = input.outputRedis
  if (input.inputQueue) spec.input_queue = input.inputQueue
  if (input.outputQueue) spec.output_queue = input.outputQueue
  if (input.command) {
    spec.command = input.shell ? input.command : splitArgv(input.command)
    if (input.shell) spec.shell = true
    if (input.cwd) spec.cwd = input.cwd
  }
  if (input.gpus !== undefined) {
    spec.gpus = gpusArg(input.gpus)
    if (!spec.image && !spec.images)
      throw new GridcoreError(
        'USAGE',
        '--gpus needs --image (or --platform-image): GPUs are given to containers, and process-runtime nodes cannot give them to a --command',
      )
  }
  return spec
}

/** `--gpus`: a count from 1 to 1024, or all (every GPU of the node). */
export function gpusArg(value: string, where = '--gpus'): Gpus {
  const v = value.trim().toLowerCase()
  if (v === 'all') return 'all'
  if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 1024) return Number(v)
  throw new GridcoreError(
    'USAGE',
    `${where} "${value}" is not a GPU count: use a whole number from 1 to 1024, or all (every GPU of the node)`,
  )
}

/**
 * Completes the current task and starts the next. With nothing running the hub would re-complete the last
 * task (upstream behaviour), so this refuses instead (exit 6) and leaves the hub alone.
 */
export async function finishCurrentTask(hub: HubClient, cluster: string): Promise<FinishResponse> {
  const { current } = await hub.listTasks()
  if (!current) {
    throw new GridcoreError(
      'NOTHING_RUNNING',
      `nothing is running on cluster "${cluster}", so there is no task to finish: see gridcore task list`,
    )
  }
  return hub.finishTask()
}

/** Splits a command line into argv with POSIX-like quoting ('…', "…", backslash). */
export function splitArgv(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let has = false
  let quote: "'" | '"' | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i]
      else cur += c
    } else if (c === "'" || c === '"') {
      quote = c
      has = true
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i]
      has = true
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur)
      cur = ''
      has = false
    } else cur += c
  }
  if (quote)
    throw new GridcoreError('USAGE', `--command has an unclosed ${quote} quote: close it or use --shell`)
  if (has || cur) out.push(cur)
  if (!out.length) throw new GridcoreError('USAGE', '--command is empty: pass the program and its arguments')
  return out
}
