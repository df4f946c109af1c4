// Redis in Docker for a local cluster (when redis-server is not installed, or --redis docker): the redis:7-alpine
// image (GRIDCORE_REDIS_IMAGE overrides it), host network, its data dir and 0600 config bind-mounted, and run as
// this user so the config holding the password stays readable by no one else.
import { setTimeout as delay } from 'node:timers/promises'
import type Docker from 'dockerode'
import { GridcoreError } from '../lib/errors.js'
import { startTimeOf } from '../lib/proc.js'
import {
  busy,
  type LaunchedRedis,
  launchedUrl,
  type RedisLaunchOptions,
  waitForRedis,
  writeRedisConfig,
} from './redis-launcher.js'

export const DEFAULT_REDIS_IMAGE = 'redis:7-alpine'
const CONFIG_INSIDE = '/usr/local/etc/redis/redis.conf'

export const redisContainerName = (port: number) => `gridcore-redis-${port}`

async function engine(): Promise<Docker> {
  const { connectDocker } = await import('../docker/engine.js')
  try {
    return await connectDocker()
  } catch (err) {
    throw new GridcoreError(
      'CONFIG',
      `Redis runs in Docker for this cluster, but ${(err as Error).message.replace(/: start Docker.*$/, '')}: start Docker, or install redis-server (apt-get install redis-server / brew install redis)`,
    )
  }
}

export async function launchDockerRedis(opts: RedisLaunchOptions): Promise<LaunchedRedis> {
  const { hasImage, pullImage } = await import('../docker/engine.js')
  const docker = await engine()
  const image = opts.image ?? DEFAULT_REDIS_IMAGE
  if (!(await hasImage(docker, image))) await pullImage(docker, image)
  const configPath = writeRedisConfig(opts, '/data')
  const name = redisContainerName(opts.port)
  // A container of that name left by an earlier cluster: gone if it stopped, a busy port if it runs.
  const old = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined)
  if (old?.State.Running) throw busy(opts.port)
  if (old) await docker.getContainer(name).remove({ force: true })
  const uid = process.getuid?.()
  const gid = process.getgid?.()
  const container = await docker.createContainer({
    Image: image,
    name,
    Entrypoint: ['redis-server'],
    Cmd: [CONFIG_INSIDE],
    ...(uid !== undefined && gid !== undefined ? { User: `${uid}:${gid}` } : {}),
    Labels: { 'io.gridcore.part': 'redis' },
    HostConfig: {
      NetworkMode: 'host',
      Binds: [`${opts.dataDir}:/data`, `${configPath}:${CONFIG_INSIDE}:ro`],
      RestartPolicy: { Name: 'no' },
    },
  })
  await container.start()
  const url = launchedUrl(opts)
  try {
    await waitForRedis(url, opts.timeoutMs ?? 20_000, () => false, opts.tls?.caPem)
  } catch (err) {
    const logs = await container.logs({ stdout: true, stderr: true, tail: 3 }).catch(() => '')
    await container.remove({ force: true }).catch(() => {})
    throw new GridcoreError(
      'CONFIG',
      `Redis in Docker (${image}) did not start (${(err as Error).message}): ${String(logs)
        .replace(/[^\x20-\x7e]+/g, ' ')
        .trim()}`,
    )
  }
  const pid = (await container.inspect()).State.Pid || undefined
  return {
    url,
    port: opts.port,
    mode: 'docker',
    pid,
    started: pid ? startTimeOf(pid) : undefined,
    containerId: container.id,
    containerName: name,
    configPath,
    dataDir: opts.dataDir,
    logPath: `docker logs ${name}`,
  }
}

/** Stops and removes the cluster's Redis container (SIGTERM: Redis writes its AOF), if it still exists. */
export async function stopDockerRedis(containerId: string, timeoutMs = 10_000): Promise<'stopped' | 'gone'> {
  const docker = await engine()
  const c = docker.getContainer(containerId)
  const info = await c.inspect().catch(() => undefined)
  if (!info) return 'gone'
  const running = info.State.Running
  await c.stop({ t: Math.ceil(timeoutMs / 1000) }).catch(() => {})
  for (let i = 0; i < 50 && (await c.inspect().catch(() => undefined))?.State.Running; i++) await delay(100)
  await c.remove({ force: true }).catch(() => {})
  return running ? 'stopped' : 'gone'
}
