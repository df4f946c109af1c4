// Child processes for tests: the fixture consumer, upstream-style consumers, anything with captured output.
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll } from 'vitest'
import { BIN } from './cli.js'

export const CONSUMER = fileURLToPath(new URL('../fixtures/consumer.mjs', import.meta.url))

export interface Proc {
  child: ChildProcess
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  out(): string
  err(): string
}

const live = new Set<ChildProcess>()
afterAll(() => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
})

export function start(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  live.add(child)
  child.stdin!.on('error', () => {}) // EPIPE when a test writes to a process that already exited
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => {
    out += d
  })
  child.stderr!.on('data', (d) => {
    err += d
  })
  if (input !== undefined) child.stdin!.end(input)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child)
      resolve({ code, signal })
    }),
  )
  return { child, exited, out: () => out, err: () => err }
}

export interface ConsumerEnv {
  url: string
  input: string
  output: string
  nodeId?: string
  instance?: string | number
  [k: string]: string | number | undefined
}

/** Starts test/fixtures/consumer.mjs with the upstream env vars plus test knobs (SLOW_MS, POISON, …). */
export function startConsumer(e: ConsumerEnv): Proc {
  const { url, input, output, nodeId, instance, ...knobs } = e
  const env: Record<string, string> = {
    INPUT_REDIS_URL: url,
    OUTPUT_REDIS_URL: url,
    INPUT_QUEUE: input,
    OUTPUT_QUEUE: output,
    NODE_ID: nodeId ?? 'test-node',
    INSTANCE_ID: String(instance ?? 0),
  }
  for (const [k, v] of Object.entries(knobs)) if (v !== undefined) env[k] = String(v)
  return start(process.execPath, [CONSUMER], env)
}

/** Starts the real gridcore CLI (bin/run.js over dist/) in the background. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, input?: string): Proc {
  return start(process.execPath, [BIN, ...args], env, input)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
