// Starts a private redis-server for a local cluster: loopback, password in a 0600 config file (never on the
// command line), AOF on (appendfsync everysec), noeviction, its own data dir. Docker mode is redis-docker.ts;
// which of the two a cluster uses is decided in deploy/local-cluster/choose.ts.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import { startTimeOf } from '../lib/proc.js'
import { openRedis } from '../redis/client.js'
import { bindAddresses, withRedisTls } from '../redis/tls-config.js'
import { portFree } from './ports.js'

export type RedisMode = 'binary' | 'docker'

export interface RedisLaunchOptions {
  port: number
  password: string
  dataDir: string
  /** Run detached (outlives this process; for gridcore up). Default: attached child. */
  detached?: boolean
  /** Start from the config file already in dataDir when there is one (a restart); else write it. */
  reuseConfig?: boolean
  /** Docker mode: the image (default redis:7-alpine). */
  image?: string
  timeoutMs?: number
  /** Called synchronously with the pid as soon as the OS gave one (binary mode). */
  onPid?: (pid: number) => void
  /** up --listen: addresses to bind beside loopback (0.0.0.0 for every interface). */
  listen?: string[]
  /** TLS only (rediss://): the server certificate, its key and the CA, as paths relative to dataDir. */
  tls?: { certFile: string; keyFile: string; caFile: string; caPem: string }
}

export interface LaunchedRedis {
  url: string
  port: number
  mode: RedisMode
  /** The redis-server process (in Docker mode: the container's process as this machine sees it). */
  pid?: number
  started?: string
  containerId?: string
  containerName?: string
  configPath: string
  dataDir: string
  logPath: string
}

const SEARCH = ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/usr/local/opt/redis/bin', '/usr/sbin']

/** Path of a redis-server binary (PATH first, then the usual Debian/Homebrew places), or undefined. */
export function findRedisServer(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' })
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim()
  return SEARCH.map((d) => join(d, 'redis-server')).find((p) => existsSync(p))
}

const HEADER = '# gridcore: private Redis for a local cluster (contains the password: mode 0600)'

export function redisConfig(o: { port: number; password: string; dataDir: string; bind?: string }): string {
  return [
    HEADER,
    `bind ${o.bind ?? '127.0.0.1'}`,
    `port ${o.port}`,
    'protected-mode yes',
    `requirepass "${o.password}"`,
    `dir ${o.dataDir}`,
    'appendonly yes',
    'appendfsync everysec',
    'save ""',
    'maxmemory-policy noeviction',
    'daemonize no',
    'loglevel notice',
    '',
  ].join('\n')
}

/** The password in the config gridcore wrote into a data dir (kept by down), or undefined. */
export function keptPassword(dataDir: string): string | undefined {
  let text: string
  try {
    text = readFileSync(join(dataDir, 'redis.conf'), 'utf8')
  } catch {
    return undefined
  }
  if (!text.startsWith(HEADER)) return undefined
  return /^requirepass "([^"\\]+)"$/m.exec(text)?.[1]
}

export const redisUrlFor = (port: number, password: string) =>
  `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`

/**
 * The config file's path in a data dir, and writes it (0600) unless reusing an existing one. `dirInside` is where
 * Redis sees the data dir (in Docker: /data); the TLS files are named by their place there.
 */
export function writeRedisConfig(opts: RedisLaunchOptions, dirInside = opts.dataDir): string {
  const configPath = join(opts.dataDir, 'redis.conf')
  if (!(opts.reuseConfig && existsSync(configPath))) {
    const bind = opts.listen?.length ? bindAddresses(opts.listen).join(' ') : undefined
    const base = redisConfig({ ...opts, dataDir: dirInside, bind })
    const t = opts.tls
    const text = t
      ? withRedisTls(base, {
          tlsPort: opts.port,
          password: opts.password,
          certFile: join(dirInside, t.certFile),
          keyFile: join(dirInside, t.keyFile),
          caFile: join(dirInside, t.caFile),
          listen: opts.listen,
        })
      : base
    writeFileAtomic(configPath, text, { mode: 0o600 })
  }
  return configPath
}

/** The URL a launched Redis answers on this machine: rediss:// when it serves TLS only. */
export function launchedUrl(opts: Pick<RedisLaunchOptions, 'port' | 'password' | 'tls'>): string {
  const url = redisUrlFor(opts.port, opts.password)
  return opts.tls ? url.replace(/^redis:/, 'rediss:') : url
}

/** Starts redis-server (the binary) on opts.port with its data and config in opts.dataDir. */
export async function launchRedis(opts: RedisLaunchOptions): Promise<LaunchedRedis> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 })
  if (!(await portFree(opts.port))) throw busy(opts.port)
  const bin = findRedisServer()
  if (!bin)
    throw new GridcoreError(
      'CONFIG',
      'redis-server is not installed: install it (apt-get install redis-server, or brew install redis), or pass --install-missing',
    )
  const configPath = writeRedisConfig(opts)
  const logPath = join(opts.dataDir, 'redis.log')
  const log = openSync(logPath, 'a', 0o600)
  const child = spawn(bin, [configPath], { detached: opts.detached ?? false, stdio: ['ignore', log, log] })
  closeSync(log)
  if (child.pid) opts.onPid?.(child.pid)
  let exited: number | null = null
  child.once('exit', (code) => {
    exited = code ?? -1
  })
  child.once('error', () => {
    exited = -1
  })
  if (opts.detached) child.unref()
  const url = launchedUrl(opts)
  try {
    await waitForRedis(url, opts.timeoutMs ?? 10_000, () => exited !== null, opts.tls?.caPem)
  } catch (err) {
    for (let i = 0; i < 20 && exited === null; i++) await delay(25)
    if (exited === null) child.kill('SIGKILL')
    const tail = readTail(logPath)
    if (/Address already in use/i.test(tail)) throw busy(opts.port)
    throw new GridcoreError(
      'CONFIG',
      `redis-server did not start (${(err as Error).message}); its log ${logPath} ends: ${tail.split('\n').slice(-2).join(' ')}`,
    )
  }
  const pid = child.pid!
  return {
    url,
    port: opts.port,
    mode: 'binary',
    pid,
    started: startTimeOf(pid),
    configPath,
    dataDir: opts.dataDir,
    logPath,
  }
}

export async function waitForRedis(
  url: string,
  timeoutMs: number,
  gone: () => boolean,
  caPem?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (gone()) throw new Error('it exited')
    try {
      const r = await openRedis(url, { connectTimeoutMs: 500, caPem })
      r.disconnect()
      return
    } catch (err) {
      if ((err as GridcoreError).code === 'REDIS_AUTH') throw err
      if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`)
      await delay(50)
    }
  }
}

export const busy = (port: number) =>
  new GridcoreError('CONFIG', `Redis port ${port} is already in use: stop what holds it or pass --redis-port`)

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n')
  } catch {
    return ''
  }
}
