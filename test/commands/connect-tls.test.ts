// A cluster over TLS as a user on another machine meets it: `connect` with a join string fetches and pins the CA,
// learns the Redis URL from the hub for a submit token, and push, queue, status and results then speak https and
// rediss:// verified by that CA. Wrong pins, node tokens, an untrusted hub and a swapped CA file are refused.
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { formatJoinString } from '../../src/net/join-string.js'
import { redisTlsOptions } from '../../src/net/tls-options.js'
import { runCli } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const dir = tempDir()
const home = join(dir, 'home')
let tls: TestTls
let other: TestTls
let redis: TlsRedis
let r: Redis
let hub: HubProcess
const gc = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, {
    env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined, GRIDCORE_TOKEN: undefined, ...env },
  })
const joinOf = (token: string, ca = tls.fingerprint) =>
  formatJoinString({ host: '127.0.0.1', port: hub.port, token, ca, insecure: false })

beforeAll(async () => {
  tls = await makeTestTls(join(dir, 'tls'))
  other = await makeTestTls(join(dir, 'other'))
  redis = await startTlsRedis({ dir, tls, port: await freePort() })
  r = new Redis(redis.url(), redisTlsOptions(tls.caPem, redis.url()))
  const config = join(dir, 'computehub.toml')
  writeFileSync(config, `redis_url = ${JSON.stringify(redis.url())}\n`, { mode: 0o600 })
  hub = await startHubProcess(dir, 'tls', ['--config', config], tls)
})
afterAll(async () => {
  r?.disconnect()
  await hub?.stop()
  await redis?.stop()
})

async function token(role: string, name: string): Promise<string> {
  const res = await hub.call('POST', '/api/tokens', { role, name })
  expect(res.status).toBe(201)
  return JSON.parse(res.text).token
}

describe('connect over TLS', () => {
  it('a submit token’s join string: CA pinned and stored beside credentials, Redis URL from the hub', async () => {
    const submit = await token('submit', 'laptop')
    const c = await gc(['connect', joinOf(submit), '--name', 'lab', '--json'])
    expect(c.stderr).toBe('')
    expect(c.code).toBe(0)
    const p = paths({ GRIDCORE_HOME: home })
    expect(c.json).toEqual({
      name: 'lab',
      computehub_url: hub.url,
      role: 'submit',
      token_name: 'laptop',
      redis_url: `rediss://:***@127.0.0.1:${redis.port}`,
      redis_from: 'hub',
      ca_fingerprint: tls.fingerprint,
      plaintext_warning: null,
      nodes_online: 0,
      current_task: null,
      files: { skill: p.skillToml, credentials: p.credentialsToml, ca: join(p.skillDir, 'ca', 'lab.pem') },
    })
    expect(c.stdout).not.toContain(submit)
    expect(c.stdout).not.toContain(redis.password)
    expect(readFileSync(c.json.files.ca, 'utf8')).toBe(tls.caPem)
    expect(statSync(c.json.files.ca).mode & 0o777).toBe(0o644)
    expect(statSync(join(p.skillDir, 'ca')).mode & 0o777).toBe(0o700)
    const skill = readFileSync(p.skillToml, 'utf8')
    expect(skill).toContain(`ca_fingerprint = "${tls.fingerprint}"`)
    expect(skill).toContain(`ca_file = "${c.json.files.ca}"`)
    expect(skill).toContain(`redis_url = "rediss://127.0.0.1:${redis.port}"`)
    expect(skill).not.toContain(submit)
    expect(readFileSync(p.credentialsToml, 'utf8')).toContain(`redis_password = "${redis.password}"`)
  })

  it('push, queue stats, status and results run over https and rediss:// with the pinned CA', async () => {
    const env = { GRIDCORE_CLUSTER: 'lab' }
    const reg = await gc(
      ['task', 'register', '--name', 'tls-task', '--image', 'img', '--input-queue', 'tq:in', '--json'],
      env,
    )
    expect(reg.code, reg.stderr).toBe(0)
    const push = await gc(['push', '--range', '1..5000', '--json'], env)
    expect(push.stderr).toBe('')
    expect(push.json).toMatchObject({ queue: 'tq:in', pushed: 5000 })
    expect(await r.llen('tq:in')).toBe(5000)
    const stats = await gc(['queue', 'stats', '--json'], env)
    expect(stats.code, stats.stderr).toBe(0)
    expect(JSON.stringify(stats.json)).toContain('5000')
    const status = await gc(['status', '--json'], env)
    expect(status.code, status.stderr).toBe(0)
    expect(status.json.queues).toMatchObject({ input_queue: 'tq:in', input_length: 5000 })
    await r.lpush('tq:in:output', 'r1', 'r2')
    const results = await gc(['results', '--peek', '5'], env)
    expect(results.code, results.stderr).toBe(0)
    expect(results.stdout).toBe('r1\nr2\n')
  })

  it('refuses a join string whose fingerprint is not the hub’s CA, in one line naming both (exit 5)', async () => {
    const submit = await token('submit', 'pinned-wrong')
    const c = await gc(['connect', joinOf(submit, other.fingerprint), '--name', 'evil'])
    expect(c.code).toBe(5)
    expect(c.stderr).toBe(
      `gridcore: the hub at 127.0.0.1:${hub.port} presents CA ${tls.fingerprint} but the join string pins ${other.fingerprint}: ask the cluster owner for a fresh join string\n`,
    )
    expect(readFileSync(paths({ GRIDCORE_HOME: home }).skillToml, 'utf8')).not.toContain('[cluster.evil]')
  })

  it('refuses a node token (it is for join), and an https hub whose CA is not pinned', async () => {
    const node = await token('node', 'worker-1')
    const c = await gc(['connect', joinOf(node), '--name', 'n'])
    expect(c.code).toBe(5)
    expect(c.stderr).toMatch(
      /^gridcore: this is a node token \("worker-1"\), for gridcore join on a compute machine/,
    )
    expect(c.stderr).not.toContain(node)
    const unpinned = await gc(['connect', '--name', 'u', '--hub', hub.url, '--token', TOKEN])
    expect(unpinned.code).toBe(5)
    expect(unpinned.stderr).toMatch(
      /^gridcore: the hub at https:\/\/127\.0\.0\.1:\d+ presents a certificate this machine does not trust \(\w+\): connect with the join string or --ca-fingerprint/,
    )
    const mixed = await gc(['connect', joinOf(node), '--hub', hub.url])
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toMatch(/already carries the hub, the token and the CA fingerprint: drop --hub/)
  })

  it('a read token connects without Redis; a CA file swapped after connect is refused at the next command', async () => {
    const read = await token('read', 'viewer')
    const c = await gc(['connect', joinOf(read), '--name', 'view', '--json'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.json).toMatchObject({ role: 'read', redis_url: null, redis_from: null })
    expect((await gc(['task', 'list', '--cluster', 'view'])).code).toBe(0)
    writeFileSync(c.json.files.ca, other.caPem)
    const after = await gc(['task', 'list', '--cluster', 'view'])
    expect(after.code).toBe(3)
    expect(after.stderr).toMatch(
      new RegExp(`the CA file .*view\\.pem is ${other.fingerprint} but the profile pins ${tls.fingerprint}`),
    )
  })
})
