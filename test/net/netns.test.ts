// Two hosts in network namespaces: A serves TLS-only Redis and the hub's TLS port on its own address; B fetches
// the pinned CA, speaks HTTPS to A, and reaches A's Redis through the loopback proxy, across a partition too.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createNetLab,
  listNamespaces,
  NETNS_PREFIX,
  removeStaleNetLabs,
  useNetLab,
} from '../helpers/netns.js'
import { waitFor } from '../helpers/node.js'
import type { Proc } from '../helpers/procs.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js'
import { tempDir } from '../helpers/tmp.js'

const HOST = fileURLToPath(new URL('../fixtures/net-host.mjs', import.meta.url))
const dir = tempDir()
const ctx = useNetLab(['a', 'b'])
let tls: TestTls
let redis: TlsRedis
let client: Proc

/** Sends one command to the client on B and returns its JSON answer. */
async function ask(cmd: string): Promise<{ ok?: unknown; error?: string }> {
  const before = client.out().split('\n').length
  client.child.stdin!.write(`${cmd}\n`)
  const line = await waitFor(
    `an answer to ${cmd}`,
    () => client.out().split('\n')[before - 1] || undefined,
    20_000,
  )
  return JSON.parse(line)
}

async function firstLine(p: Proc, what: string): Promise<Record<string, string>> {
  const line = await waitFor(what, () => {
    if (p.child.exitCode !== null) throw new Error(`${what}: exited ${p.err()}`)
    return p.out().split('\n')[0] || undefined
  })
  return JSON.parse(line)
}

beforeAll(async () => {
  const { a, b } = ctx.lab.hosts
  tls = await makeTestTls(`${dir}/tls`, [a!.addr])
  redis = await startTlsRedis({
    dir,
    tls,
    port: 6390,
    listen: [a!.addr],
    wrap: ['ip', 'netns', 'exec', a!.ns],
  })
  const hub = a!.spawn(process.execPath, [HOST, 'hub'], { TLS_DIR: tls.paths.dir, BIND: `${a!.addr}:8443` })
  expect((await firstLine(hub, 'the hub on A')).listening).toBe(`https://${a!.addr}:8443`)
  client = b!.spawn(process.execPath, [HOST, 'client'], {
    REDIS_URL: redis.url(a!.addr),
    CA_FILE: tls.paths.caCert,
    HUB: `${a!.addr}:8443`,
    FINGERPRINT: tls.fingerprint,
  })
  expect((await firstLine(client, 'the proxy on B')).proxy).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
})
afterAll(() => redis?.stop())

describe('two hosts in network namespaces', () => {
  it('each host has its own address on the lab network and nothing else', async () => {
    const { a, b } = ctx.lab.hosts
    expect(ctx.lab.subnet).toMatch(/^10\.\d+\.\d+\.0\/24$/)
    const shown = await b!.run('ip', ['-4', '-o', 'addr', 'show'])
    expect(shown.stdout).toContain(`${b!.addr}/24`)
    expect(shown.stdout).not.toContain(a!.addr)
    expect(shown.stdout.trim().split('\n')).toHaveLength(2) // lo and eth0
  })

  it('B fetches the CA pinned by its fingerprint and speaks verified HTTPS to the hub on A', async () => {
    expect(await ask('ca')).toEqual({ ok: `hello from ${ctx.lab.hosts.a!.addr}:8443` })
  })

  it('B reaches the TLS-only Redis on A through the loopback proxy, with no password or TLS in the client', async () => {
    expect(await ask('ping')).toEqual({ ok: 'round trip' })
    expect(await ask('hold')).toEqual({ ok: 'PONG' })
  })

  it('a plaintext client on B gets no data from the TLS port on A', async () => {
    const r = await ask('plain')
    expect(r.error).toBeUndefined()
    expect(r.ok).not.toContain('+PONG')
  })

  it('a partition of either host fails new connections with a proxy error; after healing they work again', async () => {
    const { a, b } = ctx.lab.hosts
    for (const cut of [b!, a!]) {
      cut.partition()
      try {
        const r = await ask('ping')
        expect(r.error, JSON.stringify(r)).toMatch(/gridcore proxy: (cannot reach|no answer from) Redis at /)
      } finally {
        cut.heal()
      }
      await waitFor(`${cut.name} to be reachable again`, async () => (await ask('ping')).ok === 'round trip')
    }
    // The connection opened before the partitions carried on through them.
    expect(await ask('held')).toEqual({ ok: 1 })
  })
})

describe('net lab housekeeping', () => {
  it('removes leftovers of a run whose process is gone, keeps live ones, and destroy removes everything', () => {
    const dead = spawnSync('true').pid!
    const stale = `${NETNS_PREFIX}-${dead}-dead-x`
    spawnSync('ip', ['netns', 'add', stale])
    expect(listNamespaces()).toContain(stale)
    const removed = removeStaleNetLabs()
    expect(removed).toContain(stale)
    expect(listNamespaces()).not.toContain(stale)
    expect(listNamespaces(`${ctx.lab.id}-`)).toHaveLength(3) // ours: the switch and two hosts
    const extra = createNetLab(['x'])
    expect(listNamespaces(`${extra.id}-`)).toHaveLength(2)
    extra.destroy()
    expect(listNamespaces(`${extra.id}-`)).toEqual([])
  })
})
