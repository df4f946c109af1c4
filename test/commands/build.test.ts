// gridcore build against the real engine: a FROM-scratch variant of the Rust template, run by a Docker node.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { requireDocker } from '../helpers/docker.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { startNodeProc, waitFor } from '../helpers/node.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const task = join(dir, 'rusty')
let docker: Docker
let redis: TestRedis
let r: Redis
let hub: TestHub

beforeAll(async () => {
  docker = await requireDocker()
  redis = await startTestRedis()
  r = redis.client()
  hub = await startTestHub({ dir })
  scaffold({ template: 'rust', name: 'rusty', dir: task })
  // No registry here: compile on this machine (static), then ship only the binary FROM scratch.
  execFileSync('cargo', ['build', '--release', '--offline', '--quiet'], {
    cwd: task,
    env: { ...process.env, RUSTFLAGS: '-C target-feature=+crt-static' },
    stdio: 'inherit',
  })
  writeFileSync(
    join(task, 'Dockerfile.scratch'),
    'FROM scratch\nCOPY target/release/consumer /consumer\nENTRYPOINT ["/consumer"]\n',
  )
  writeFileSync(
    join(task, '.dockerignore'),
    'src\nlua\ntarget/release/deps\ntarget/release/build\ntarget/release/.fingerprint\n',
  )
}, 180_000)
afterAll(async () => {
  await hub?.stop()
  await redis?.stop()
})

const gc = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { env: { GRIDCORE_HOME: join(dir, 'home'), ...env }, timeoutMs: 120_000 })

describe('gridcore build', () => {
  it('builds the image (honouring .dockerignore) and a Docker node runs it over 20,000 items', async () => {
    const b = await gc([
      'build',
      '--dir',
      task,
      '--tag',
      'rusty:scratch',
      '--file',
      'Dockerfile.scratch',
      '--json',
    ])
    expect(b.code, b.stderr).toBe(0)
    expect(b.json).toMatchObject({ image: 'rusty:scratch', dockerfile: 'Dockerfile.scratch' })
    expect(b.stderr).toContain('Successfully tagged rusty:scratch')
    const hist = await docker.getImage('rusty:scratch').inspect()
    expect(hist.Size).toBeLessThan(5_000_000) // only the binary went in
    const q = { input_queue: 'rusty:in', output_queue: 'rusty:out' }
    await hub.call('POST', '/api/tasks', {
      body: { name: 'rusty', image: 'rusty:scratch', input_redis: redis.url, ...q },
    })
    const n = startNodeProc(dir, hub, {
      toml: { runtime: '"docker"', network_mode: '"host"', container_memory: 64 },
    })
    try {
      const p = await gc(['push', '--range', '1..20000', '--redis', redis.url, '--queue', q.input_queue])
      expect(p.code).toBe(0)
      await waitFor('20,000 results', async () => (await r.llen(q.output_queue)) === 20_000, 60_000)
      const ids = new Set((await r.lrange(q.output_queue, 0, -1)).map((x) => x.split(':')[0]))
      expect(ids.size).toBe(20_000)
      expect(await r.hget('rusty:in:stats', 'done')).toBe('20000')
    } finally {
      n.child.kill('SIGTERM')
      await n.exited
    }
  })

  it('leaves what .dockerignore names out of the build context', async () => {
    const ctx = join(dir, 'ctx')
    scaffold({ template: 'python', name: 'ctx', dir: ctx })
    writeFileSync(join(ctx, 'secret.txt'), 'do not ship')
    writeFileSync(join(ctx, '.dockerignore'), 'secret.txt\n')
    writeFileSync(join(ctx, 'Dockerfile.ctx'), 'FROM scratch\nCOPY . /ctx/\n')
    const b = await gc(['build', '--dir', ctx, '--tag', 'ctx:1', '--file', 'Dockerfile.ctx', '--quiet'])
    expect(b.code, b.stderr).toBe(0)
    const c = await docker.createContainer({ Image: 'ctx:1', Cmd: ['none'] })
    try {
      await expect(c.infoArchive({ path: '/ctx/task.py' })).resolves.toBeTruthy()
      await expect(c.infoArchive({ path: '/ctx/lua/take.lua' })).resolves.toBeTruthy()
      await expect(c.infoArchive({ path: '/ctx/secret.txt' })).rejects.toMatchObject({ statusCode: 404 })
    } finally {
      await c.remove({ force: true })
    }
  })

  it('fails in one line with the failing step’s last lines', async () => {
    writeFileSync(join(task, 'Dockerfile.bad'), 'FROM scratch\nCOPY no-such-file /x\n')
    const b = await gc(['build', '--dir', task, '--tag', 'rusty:bad', '--file', 'Dockerfile.bad'])
    expect(b.code).toBe(3)
    expect(b.stderr.trim().split('\n').at(-1)).toMatch(
      /^gridcore: the build of rusty:bad failed: .*no-such-file.* — last lines: .*COPY no-such-file/,
    )
  })

  it.each([
    [
      'a missing directory',
      ['--dir', '/nonexistent/task', '--tag', 'x:1'],
      {},
      2,
      /build directory \/nonexistent\/task does not exist/,
    ],
    [
      'a missing Dockerfile',
      ['--dir', dir, '--tag', 'x:1'],
      {},
      2,
      /Dockerfile does not exist: pass --file, or run gridcore init first/,
    ],
    ['a bad tag', ['--dir', task, '--tag', 'Bad Tag'], {}, 2, /image tag "Bad Tag" is not valid/],
    [
      'no engine',
      ['--dir', task, '--tag', 'x:1'],
      { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      3,
      /no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/,
    ],
  ])('%s: one line, non-zero exit', async (_n, args, env, code, pattern) => {
    const b = await gc(['build', ...args], env as Record<string, string>)
    expect(b.code).toBe(code)
    const lines = b.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(pattern)
  })
})
