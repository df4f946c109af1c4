// Starts a private redis-server for a local cluster: loopback, password in a 0600 config file (never on the
// command line), AOF on (appendfsync everysec), noeviction, its own data dir; or redis:7-alpine via Docker.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'
import { alive } from '../lib/proc.js'
import { openRedis } from '../redis/client.js'
import { portFree } from './ports.js'

export interface RedisLaunchOptions {
  port: number
  password: string
  dataDir: string
  /** Run detached (outlives this process; for gridcore up). Default: attached child. */
  detached?: boolean
  /** 'binary': redis-server only; 'docker': the redis:7-alpine image only; 'auto': binary, else Docker. */
  via?: 'auto' | 'binary' | 'docker'
  timeoutMs?: number
}

export interface LaunchedRedis {
  url: string
  port: number
  mode: 'binary' | 'docker'
  pid?: number
  containerId?: string
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

export function redisConfig(o: { port: number; password: string; dataDir: string; bind?: string }): string {
  return [
    '# gridcore: private Redis for a local cluster (contains the password: mode 0600)',
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

export async function launchRedis(opts: RedisLaunchOptions): Promise<LaunchedRedis> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 })
  const via = opts.via ?? 'auto'
  const bin = via === 'docker' ? undefined : findRedisServer()
  if (bin) return launchBinary(bin, opts)
  if (via === 'binary') {
    throw new GridcoreError(
      'CONFIG',
      'redis-server is not installed: install it (apt-get install redis-server, or brew install redis), or pass --install-missing',
    )
  }
  return launchDocker(opts)
}

async function launchBinary(bin: string, opts: RedisLaunchOptions): Promise<LaunchedRedis> {
  if (!(await portFree(opts.port))) throw busy(opts.port)
  const configPath = join(opts.dataDir, 'redis.conf')
  const logPath = join(opts.dataDir, 'redis.log')
  writeFileAtomic(configPath, redisConfig(opts), { mode: 0o600 })
  const log = openSync(logPath, 'a', 0o600)
  const child = spawn(bin, [configPath], { detached: opts.detached ?? false, stdio: ['ignore', log, log] })
  closeSync(log)
  let exited: number | null = null
  child.once('exit', (code) => {
    exited = code ?? -1
  })
  if (opts.detached) child.unref()
  const url = `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}`
  try {
    await waitForRedis(url, opts.timeoutMs ?? 10_000, () => exited !== null)
  } catch (err) {
    for (let i = 0; i < 20 && exited === null; i++) await new Promise((r) => setTimeout(r, 25))
    if (exited === null) child.kill('SIGKILL')
    const tail = readTail(logPath)
    if (/Address already in use/i.test(tail)) throw busy(opts.port)
    throw new GridcoreError(
      'CONFIG',
      `redis-server did not start (${(err as Error).message}); its log ${logPath} ends: ${tail.split('\n').slice(-2).join(' ')}`,
    )
  }
  return { url, port: opts.port, mode: 'binary', pid: child.pid, configPath, dataDir: opts.dataDir, logPath }
}

async function launchDocker(opts: RedisLaunchOptions): Promise<LaunchedRedis> {
  const { connectDocker, hasImage, pullImage } = await import('../docker/engine.js')
  let docker: Awaited<ReturnType<typeof connectDocker>>
  try {
    docker = await connectDocker()
  } catch {
    throw new GridcoreError(
      'CONFIG',
      'redis-server is not installed and no Docker engine answers: install redis-server (apt-get install redis-server / brew install redis) or pass --install-missing',
    )
  }
  const image = 'redis:7-alpine'
  if (!(await hasImage(docker, image))) await pullImage(docker, image)
  const configPath = join(opts.dataDir, 'redis.conf')
  writeFileAtomic(configPath, redisConfig({ ...opts, dataDir: '/data' }), { mode: 0o644 })
  const container = await docker.createContainer({
    Image: image,
    name: `gridcore-redis-${opts.port}`,
    Cmd: ['redis-server', '/usr/local/etc/redis/redis.conf'],
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${opts.dataDir}:/data`, `${configPath}:/usr/local/etc/redis/redis.conf:ro`],
      RestartPolicy: { Name: 'no' },
    },
  })
  await container.start()
  const url = `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}`
  await waitForRedis(url, opts.timeoutMs ?? 20_000, () => false)
  return {
    url,
    port: opts.port,
    mode: 'docker',
    containerId: container.id,
    configPath,
    dataDir: opts.dataDir,
    logPath: '',
  }
}

async function waitForRedis(url: string, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (gone()) throw new Error('it exited')
    try {
      const r = await openRedis(url, { connectTimeoutMs: 500 })
      r.disconnect()
      return
    } catch (err) {
      if ((err as GridcoreError).code === 'REDIS_AUTH') throw err
      if (Date.now() > deadline) throw new Error(`no answer within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** Stops a launched Redis: SHUTDOWN (which flushes the AOF), then waits for the process to go. */
export async function stopRedis(
  r: Pick<LaunchedRedis, 'url' | 'pid' | 'containerId'>,
  timeoutMs = 10_000,
): Promise<void> {
  if (r.containerId) {
    const { connectDocker } = await import('../docker/engine.js')
    const docker = await connectDocker()
    const c = docker.getContainer(r.containerId)
    await c.stop({ t: Math.ceil(timeoutMs / 1000) }).catch(() => {})
    await c.remove({ force: true }).catch(() => {})
    return
  }
  if (!r.pid || !alive(r.pid)) return
  process.kill(r.pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (alive(r.pid) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50))
  if (alive(r.pid)) process.kill(r.pid, 'SIGKILL')
}

const busy = (port: number) =>
  new GridcoreError('CONFIG', `Redis port ${port} is already in use: stop what holds it or pass --redis-port`)

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').slice(-5).join('\n')
  } catch {
    return ''
  }
}
