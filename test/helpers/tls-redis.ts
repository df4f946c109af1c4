// A real redis-server serving TLS only, configured by withRedisTls, optionally on a network-namespace host.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { redisConfig } from '../../src/deploy/redis-launcher.js'
import { withRedisTls } from '../../src/redis/tls-config.js'
import type { TestTls } from './tls.js'

export interface TlsRedis {
  port: number
  password: string
  /** rediss://:password@HOST:port for the host given (default 127.0.0.1). */
  url(host?: string): string
  proc: ChildProcess
  log(): string
  stop(): Promise<void>
  /** Starts it again on the same port and data (after stop or a kill). */
  restart(): Promise<void>
}

export async function startTlsRedis(o: {
  dir: string
  tls: TestTls
  port: number
  listen?: string[]
  password?: string
  /** Prefix for the command, e.g. ['ip', 'netns', 'exec', NS]. */
  wrap?: string[]
}): Promise<TlsRedis> {
  const password = o.password ?? randomBytes(12).toString('hex')
  const dataDir = join(o.dir, `redis-${o.port}`)
  mkdirSync(dataDir, { recursive: true })
  const conf = join(dataDir, 'redis.conf')
  const logFile = join(dataDir, 'redis.log')
  const base = redisConfig({ port: o.port, password, dataDir }).replace('appendonly yes', 'appendonly no')
  writeFileSync(
    conf,
    withRedisTls(`${base}logfile "${logFile}"\n`, {
      tlsPort: o.port,
      password,
      certFile: o.tls.paths.cert,
      keyFile: o.tls.paths.key,
      caFile: o.tls.paths.caCert,
      listen: o.listen,
    }),
    { mode: 0o600 },
  )
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
  const r: TlsRedis = {
    port: o.port,
    password,
    url: (host = '127.0.0.1') => `rediss://:${password}@${host}:${o.port}`,
    proc: undefined as unknown as ChildProcess,
    log,
    async stop() {
      const p = r.proc
      if (p.exitCode !== null || p.signalCode !== null) return
      const exited = new Promise((res) => p.once('exit', res))
      p.kill('SIGTERM')
      await exited
    },
    async restart() {
      await r.stop()
      const before = (log().match(/Ready to accept connections/g) ?? []).length
      const [cmd, ...args] = [...(o.wrap ?? []), 'redis-server', conf]
      r.proc = spawn(cmd!, args, { stdio: 'ignore' })
      const deadline = Date.now() + 15_000
      while ((log().match(/Ready to accept connections/g) ?? []).length <= before) {
        if (r.proc.exitCode !== null) throw new Error(`redis-server exited: ${log().slice(-500)}`)
        if (Date.now() > deadline) {
          r.proc.kill('SIGKILL')
          throw new Error(`redis-server did not start: ${log().slice(-500)}`)
        }
        await new Promise((res) => setTimeout(res, 30))
      }
    },
  }
  r.proc = { exitCode: 0 } as ChildProcess
  await r.restart()
  return r
}
