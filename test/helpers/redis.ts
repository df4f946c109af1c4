// A real redis-server per test file: loopback, random port, password, its own temp dir.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { freePort } from './ports.js'

export interface TestRedis {
  url: string
  port: number
  password: string
  dir: string
  proc: ChildProcess
  client(): Redis
  stop(): Promise<void>
}

export async function startTestRedis(
  opts: { appendonly?: boolean; port?: number; dir?: string; password?: string } = {},
): Promise<TestRedis> {
  const port = opts.port ?? (await freePort())
  const password = opts.password ?? randomBytes(8).toString('hex')
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'gridcore-redis-'))
  const conf = join(dir, 'redis.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `requirepass ${password}`,
      `dir ${dir}`,
      'save ""',
      `appendonly ${opts.appendonly ? 'yes' : 'no'}`,
      'appendfsync everysec',
      'daemonize no',
      'loglevel warning',
    ].join('\n'),
  )
  const proc = spawn('redis-server', [conf], { stdio: 'ignore' })
  const url = `redis://:${password}@127.0.0.1:${port}`
  const clients: Redis[] = []
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      break
    } catch {
      probe.disconnect()
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    url,
    port,
    password,
    dir,
    proc,
    client() {
      const c = new Redis(url)
      clients.push(c)
      return c
    },
    async stop() {
      for (const c of clients) c.disconnect()
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r))
        proc.kill('SIGTERM')
        await exited
      }
      if (!opts.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** One redis-server for the whole test file: started before its tests, stopped after them. */
export function useTestRedis(): { redis: TestRedis; r: Redis } {
  const ctx = {} as { redis: TestRedis; r: Redis }
  beforeAll(async () => {
    ctx.redis = await startTestRedis()
    ctx.r = ctx.redis.client()
  })
  afterAll(() => ctx.redis?.stop())
  return ctx
}
