// up refuses what cannot work before it starts anything: the same port twice (exit 2), a Docker runtime or a
// Docker Redis with no engine that answers (exit 3, one line with the fix); and every file up writes that holds a
// secret is 0600 — the Docker-mode Redis config included, whose container runs as this user.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { alive } from '../../src/lib/proc.js'
import { requireDocker } from '../helpers/docker.js'
import { tempDir } from '../helpers/tmp.js'
import { portFree, processesNaming, type TestCluster, testCluster, waitFor } from './helpers/cluster.js'
import { redisImage } from './helpers/redis-image.js'

const dir = tempDir()
const servers: Server[] = []
afterAll(() => {
  for (const s of servers) s.close()
})

/** A unix socket where a "Docker engine" never answers, or answers 500 to everything. */
async function fakeEngine(kind: 'silent' | 'broken'): Promise<string> {
  const path = join(dir, `${kind}.sock`)
  rmSync(path, { force: true })
  const srv = createServer((sock) => {
    sock.on('error', () => {})
    if (kind === 'broken')
      sock.on('data', () =>
        sock.write(
          'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nbroken',
        ),
      )
  })
  servers.push(srv)
  await new Promise<void>((r) => srv.listen(path, () => r()))
  return `unix://${path}`
}

function files(root: string): string[] {
  if (!existsSync(root)) return []
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

async function leftNothing(c: TestCluster) {
  expect(existsSync(c.p.localClusterJson)).toBe(false)
  expect(existsSync(join(c.p.upstreamConfigDir, 'computehub.toml'))).toBe(false)
  expect(existsSync(join(c.p.dataDir, `redis-${c.redisPort}`))).toBe(false)
  expect(await portFree(c.hubPort)).toBe(true)
  expect(await portFree(c.redisPort)).toBe(true)
  expect(processesNaming(c.home)).toEqual([])
}

describe('gridcore up refuses at once', () => {
  it('the same --hub-port and --redis-port: exit 2, no files, no processes (up, run --local, doctor)', async () => {
    const c = await testCluster()
    const port = String(c.hubPort)
    const up = await c.gc(['up', '--hub-port', port, '--redis-port', port, '--json'])
    expect(up.code).toBe(2)
    expect(up.stderr.trim()).toBe(
      `gridcore: --hub-port and --redis-port are both ${port}: the hub and Redis need a port each; pass two different ports`,
    )
    expect(files(c.home)).toEqual([])
    expect(await portFree(c.hubPort)).toBe(true)
    const env = { GRIDCORE_HUB_PORT: port, GRIDCORE_REDIS_PORT: port }
    const run = await c.gc(
      ['run', '--local', '--command', 'cat', '--range', '1..3', '-o', join(c.home, 'o')],
      30_000,
      env,
    )
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--hub-port and --redis-port are both/)
    expect(files(c.home)).toEqual([])
    const doctor = await c.gc(['doctor', '--json'], 30_000, env)
    expect(doctor.code).toBe(3)
    expect(doctor.json.checks).toContainEqual(
      expect.objectContaining({
        name: 'ports',
        status: 'error',
        detail: `the hub port and the Redis port are both ${port}`,
      }),
    )
  })

  it.each([
    [
      'no socket',
      async () => `unix://${join(dir, 'nothing-here.sock')}`,
      /no Docker engine answers at .*nothing-here\.sock \(ENOENT\)/,
    ],
    [
      'a socket that never answers',
      () => fakeEngine('silent'),
      /no Docker engine answers at .*silent\.sock \(no answer within 5000 ms\)/,
    ],
    [
      'an engine that answers 500',
      () => fakeEngine('broken'),
      /the Docker engine at .*broken\.sock failed: .*500/,
    ],
  ])(
    '--runtime docker with %s: exit 3 in one line with the fix, nothing left behind',
    async (_name, engine, reason) => {
      const c = await testCluster({ DOCKER_HOST: await engine() })
      const t0 = Date.now()
      const up = await c.up(['--runtime', 'docker'])
      expect(up.code).toBe(3)
      expect(Date.now() - t0).toBeLessThan(15_000)
      const line = up.stderr.trim().split('\n').at(-1)!
      expect(line).toMatch(reason)
      expect(line).toMatch(
        /^gridcore: .*: start Docker, or use --runtime process \(items run as local processes\)$/,
      )
      await leftNothing(c)
      if (_name !== 'no socket') return
      const redis = await c.up(['--redis', 'docker'])
      expect(redis.code).toBe(3)
      expect(redis.stderr.trim().split('\n').at(-1)).toMatch(
        /: start Docker, or use --redis local \(redis-server on this machine\)$/,
      )
      await leftNothing(c)
    },
    60_000,
  )
})

describe('secrets on disk', () => {
  it('Docker-mode Redis: config 0600, container as this user; every file holding the token or password is 0600', async () => {
    const docker = await requireDocker()
    const image = await redisImage(docker)
    const c = await testCluster({ GRIDCORE_REDIS_IMAGE: image })
    const up = await c.up(['--redis', 'docker'])
    expect(up.code, up.stderr).toBe(0)
    const s = c.record()
    expect(s.redis).toMatchObject({ mode: 'docker', container_name: `gridcore-redis-${c.redisPort}` })
    expect(statSync(s.redis!.config_path!).mode & 0o777).toBe(0o600)
    expect(statSync(s.redis!.data_dir!).mode & 0o777).toBe(0o700)
    const info = await docker.getContainer(s.redis!.container_id!).inspect()
    expect(info.Config.User).toBe(`${process.getuid!()}:${process.getgid!()}`)
    const creds = readFileSync(c.p.credentialsToml, 'utf8')
    const token = /token = "([^"]+)"/.exec(creds)![1]!
    const password = /redis_password = "([^"]+)"/.exec(creds)![1]!
    const secretFiles = files(c.home).filter((f) => {
      const text = readFileSync(f, 'utf8')
      return text.includes(token) || text.includes(password)
    })
    expect(secretFiles.sort()).toEqual(
      [
        c.p.credentialsToml,
        s.computehub.config_path!,
        s.gridnode!.config_path!,
        s.redis!.config_path!,
      ].sort(),
    )
    for (const f of secretFiles) expect(statSync(f).mode & 0o077, f).toBe(0)
    expect(readFileSync(c.p.localClusterJson, 'utf8')).not.toContain(password)

    // Killed, it comes back from its own config and AOF.
    const url = `redis://:${password}@127.0.0.1:${c.redisPort}`
    const r = new Redis(url)
    await r.set('kept', 'yes')
    await r.quit()
    await new Promise((res) => setTimeout(res, 1_200)) // appendfsync everysec
    process.kill(s.redis!.pid!, 'SIGKILL')
    await waitFor(() => !alive(s.redis!.pid!), 'the container’s Redis to die')
    const again = await c.gc(['up', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.json.restarted).toEqual(['redis'])
    const r2 = new Redis(url)
    expect(await r2.get('kept')).toBe('yes')
    await r2.quit()
    const down = await c.gc(['down', '--purge-data', '--json'])
    expect(down.json).toMatchObject({ redis: 'stopped', complete: true, ports_free: true })
    await expect(docker.getContainer(s.redis!.container_id!).inspect()).rejects.toThrow()
  }, 120_000)
})
