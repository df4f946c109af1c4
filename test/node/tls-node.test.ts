// A node with ca_file against a real `gridcore hub start` serving HTTPS and a TLS-only redis-server: instances get
// a loopback proxy (no TLS, no password); an upstream BRPOP consumer and the run --command worker (which speaks TLS
// itself) deliver every result once; a volunteer node refuses command tasks by naming the flags; a node without
// the CA is refused in one line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { NodeInfo } from '../../src/hub/protocol.js'
import { redisTlsOptions } from '../../src/net/tls-options.js'
import { BIN } from '../helpers/cli.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { freePort } from '../helpers/ports.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const UPSTREAM = fileURLToPath(new URL('../fixtures/upstream_consumer.py', import.meta.url))
const dir = tempDir()
let tls: TestTls
let redis: TlsRedis
let r: Redis
let hub: HubProcess
const nodes: NodeProc[] = []

beforeAll(async () => {
  tls = await makeTestTls(join(dir, 'tls'))
  redis = await startTlsRedis({ dir, tls, port: await freePort() })
  r = new Redis(redis.url(), redisTlsOptions(tls.caPem, redis.url()))
  hub = await startHubProcess(dir, 'tls-node', [], tls)
})
afterEach(async () => {
  await stopNodes(nodes)
  while (JSON.parse((await hub.call('GET', '/api/tasks')).text).current)
    await hub.call('POST', '/api/tasks/finish')
})
afterAll(async () => {
  r?.disconnect()
  await hub?.stop()
  await redis?.stop()
})

const tlsNode = (toml: Record<string, string | number> = {}) => {
  const n = startNodeProc(
    dir,
    { url: hub.url, token: TOKEN },
    { toml: { ca_file: JSON.stringify(tls.paths.caCert), ...toml } },
  )
  nodes.push(n)
  return n
}
async function register(
  name: string,
  command: string[],
  q: { input: string; output: string },
  extra: Record<string, unknown> = {},
) {
  const res = await hub.call('POST', '/api/tasks', {
    ...extra,
    name,
    command,
    input_redis: redis.url(),
    output_redis: redis.url(),
    input_queue: q.input,
    output_queue: q.output,
  })
  expect(res.status, res.text).toBe(201)
}
async function pushCounted(key: string, n: number) {
  for (let i = 0; i < n; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, n - i) }, (_, j) => String(i + j + 1))
    await r.lpush(key, ...batch)
  }
  await r.hincrby(`${key}:stats`, 'pushed', n)
}
const rowOf = async (n: NodeProc) => {
  const id = await n.id()
  return (JSON.parse((await hub.call('GET', '/api/nodes')).text) as NodeInfo[]).find((x) => x.id === id)
}

describe('a node with ca_file, a TLS hub and a TLS-only Redis', () => {
  it('gives instances the loopback proxy without a password, and command tasks the real URL and the CA', async () => {
    const n = tlsNode({ parallelism: 1 })
    const out = join(dir, 'env.txt')
    await register(
      'env-probe',
      [
        '/bin/sh',
        '-c',
        `printf '%s|%s|%s|%s\\n' "$INPUT_REDIS_URL" "$OUTPUT_REDIS_URL" "$GRIDCORE_INPUT_REDIS_URL" "$GRIDCORE_REDIS_CA_FILE" > ${out}; sleep 60`,
      ],
      { input: 'env:in', output: 'env:out' },
    )
    await waitFor('the probe’s output', () => existsSync(out) && readFileSync(out, 'utf8').includes('\n'))
    const [input, output, direct, ca] = readFileSync(out, 'utf8').trim().split('|')
    expect(input).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    expect(output).toBe(input)
    expect(direct).toBe(redis.url())
    expect(ca).toBe(tls.paths.caCert)
    expect(
      n
        .logs()
        .some((l) => l.msg === "task 'env-probe' reaches its TLS Redis through this node's loopback proxy"),
    ).toBe(true)
    expect(n.err()).not.toContain(redis.password)
    expect(n.err()).not.toContain(TOKEN)
  })

  it('runs an upstream BRPOP/LPUSH consumer through the proxy: every result once', async () => {
    const n = tlsNode({ parallelism: 2 })
    const q = { input: 'up:in', output: 'up:out' }
    await register('upstream-tls', ['/usr/bin/python3', '-u', UPSTREAM], q)
    await pushCounted(q.input, 3000)
    await waitFor('3000 results', async () => (await r.llen(q.output)) >= 3000, 60_000)
    const ids = (await r.lrange(q.output, 0, -1)).map((x) => x.split(':')[0]!)
    expect(ids).toHaveLength(3000)
    expect(new Set(ids).size).toBe(3000)
    expect((await rowOf(n))?.runtime_status).not.toBe('Error')
  }, 90_000)

  it('runs the run --command worker over TLS directly (no proxy hop): every result once; the hub auto-finishes it', async () => {
    const n = tlsNode({ parallelism: 2 })
    const q = { input: 'w:in', output: 'w:out' }
    // auto_finish: the hub's drain watcher reads the rediss:// queues, verified by the hub's own tls_ca.
    await register('worker-tls', [process.execPath, BIN, 'worker', '--filter', 'sed -u s/^/r:/'], q, {
      auto_finish: true,
      auto_finish_settle: 1,
    })
    const N = 20_000
    await pushCounted(q.input, N)
    await waitFor(
      'every item done',
      async () => Number(await r.hget(`${q.input}:stats`, 'done')) >= N,
      60_000,
    )
    const results = await r.lrange(q.output, 0, -1)
    expect(results).toHaveLength(N)
    expect(new Set(results)).toEqual(new Set(Array.from({ length: N }, (_, i) => `r:${i + 1}`)))
    const log = readFileSync(join(dir, 'node-state', 'logs', 'worker-tls-0.log'), 'utf8')
    expect(log).toContain(`gridcore worker: Redis over TLS directly: rediss://:***@127.0.0.1:${redis.port}`)
    expect(log).not.toContain(redis.password)
    expect((await rowOf(n))?.runtime_status).not.toBe('Error')
    await waitFor('the hub to finish the drained task', async () =>
      JSON.parse((await hub.call('GET', '/api/tasks')).text).completed.includes('worker-tls'),
    )
    expect(hub.err()).not.toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|certificate/)
  }, 90_000)

  it('keeps the cluster password from the filter: it sees the upstream variables only', async () => {
    tlsNode({ parallelism: 1 })
    const q = { input: 'f:in', output: 'f:out' }
    const filter = `sh -c 'while read l; do echo "\${GRIDCORE_INPUT_REDIS_URL:-none}|\${INPUT_REDIS_URL%%:*}|$l"; done'`
    await register('filter-env', [process.execPath, BIN, 'worker', '--filter', filter], q)
    await pushCounted(q.input, 100)
    await waitFor('100 results', async () => (await r.llen(q.output)) >= 100, 30_000)
    const results = await r.lrange(q.output, 0, -1)
    expect(new Set(results.map((x) => x.split('|').slice(0, 2).join('|')))).toEqual(new Set(['none|redis']))
  })

  it('a volunteer node that allows no command takes command tasks and reports an Error naming the flags', async () => {
    const config = join(dir, 'volunteer.toml')
    writeFileSync(
      config,
      [
        `server_url = "${hub.url}"`,
        `token = "${TOKEN}"`,
        `ca_file = "${tls.paths.caCert}"`,
        'volunteer = true',
        'parallelism = 1',
        'heartbeat_interval = 0.3',
        'task_poll_interval = 0.2',
        '',
      ].join('\n'),
    )
    const n = startNodeProc(dir, { url: hub.url, token: TOKEN }, { config })
    nodes.push(n)
    await n.id()
    expect((await rowOf(n))?.capabilities).toContain('command')
    await register('not-here', ['sed', '-u', 's/^/r:/'], { input: 'v:in', output: 'v:out' })
    const row = await waitFor('the refusal on the hub', async () => {
      const x = await rowOf(n)
      return x?.runtime_status === 'Error' && x.runtime_error ? x : undefined
    })
    expect(row.runtime_error?.message).toBe(
      'task "not-here" runs a command, and this volunteer node runs container images only: its owner can allow commands with --runtime process (any program) or --allow-command PROGRAM (in gridnode.toml: runtime = "process", or allowed_commands)',
    )
  })

  it('a node without the CA is refused by the hub’s certificate in one line (exit 5)', async () => {
    const config = join(dir, 'no-ca.toml')
    writeFileSync(config, `server_url = "${hub.url}"\ntoken = "${TOKEN}"\nruntime = "process"\n`)
    const n = startNodeProc(dir, { url: hub.url, token: TOKEN }, { config })
    nodes.push(n)
    const { code } = await n.exited
    expect(code).toBe(5)
    const lines = n.err().trim().split('\n')
    expect(lines.at(-1)).toMatch(
      /^gridcore: the hub at https:\/\/127\.0\.0\.1:\d+ presents a certificate this machine does not trust \(\w+\)/,
    )
  })
})
