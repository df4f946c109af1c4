// Across machines, on real network namespaces: host A runs `gridcore up --listen`, B and C `gridcore join`, D is a
// laptop with a submit token (`connect`) running `run`; E tries what a stranger or a volunteer would; P runs a
// plaintext cluster for upstream-shaped nodes. Each host has its own GRIDCORE_HOME; one lab for the whole file.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type GcHost, gcHost, ok, TAG_FILTER, tally } from '../helpers/hosts.js'
import { useNetLab } from '../helpers/netns.js'
import { waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const ctx = useNetLab(['a', 'b', 'c', 'd', 'e', 'p'])
const H: Record<string, GcHost> = {}
const PORTS = ['--hub-port', '18080', '--redis-port', '16379']
let upText = ''
let joinString = ''

/** Whether a process runs (a zombie no parent has reaped yet does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
const hub = () => `https://${H.a!.host.addr}:18080`
const caFile = () => H.a!.cluster().tls.ca_file as string
const nodesOf = async (h: GcHost) => ok(await h.gc(['status', '--json']), 'status').json.nodes as any[]

beforeAll(async () => {
  for (const [name, host] of Object.entries(ctx.lab.hosts)) H[name] = gcHost(host, join(dir, name))
  const up = ok(
    await H.a!.gc(['up', '--listen', H.a!.host.addr, '--runtime', 'process', '--parallelism', '1', ...PORTS]),
    'up --listen on A',
  )
  upText = up.stdout
  joinString = /gridcore join '([^']+)'/.exec(up.stdout)?.[1] ?? ''
}, 120_000)

describe('three hosts and a laptop (the issue’s "done when")', () => {
  it('up --listen prints a join string; B and C join with --runtime process; D runs 200,000 items with a submit token; status lists three nodes on three hosts', async () => {
    const { a, b, c, d } = H
    expect(upText).toContain(`Listening on ${a!.host.addr} as ${a!.host.addr} (TLS, CA sha256:`)
    expect(joinString).toMatch(
      new RegExp(
        `^gridcore://${a!.host.addr.replace(/\./g, '\\.')}:18080/\\?ca=sha256:[0-9a-f]{64}&token=gct_`,
      ),
    )
    for (const h of [b!, c!]) {
      const j = ok(await h.gc(['join', joinString, '--runtime', 'process', '--parallelism', '2']), 'join')
      expect(j.stdout).toMatch(/^Joined the cluster at https:\/\/.* as node .* runs any command/)
      expect(j.stdout).not.toContain('gct_')
    }
    const token = ok(
      await a!.gc(['token', 'create', '--role', 'submit', '--name', 'laptop', '--json']),
      'token',
    )
    const connected = ok(await d!.gc(['connect', token.json.join, '--json']), 'connect on D').json
    expect(connected).toMatchObject({ role: 'submit', computehub_url: hub() })
    expect(connected.redis_url).toBe(`rediss://:***@${a!.host.addr}:16379`)

    const out = join(dir, 'r.txt')
    const run = await d!.gc(['run', '--command', 'sed -u s/^/r:/', '--range', '1..200000', '--output', out], {
      timeoutMs: 240_000,
    })
    ok(run, 'run on D')
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(200_000)
    expect(new Set(lines).size).toBe(200_000)
    expect(lines.every((l) => /^r:\d+$/.test(l))).toBe(true)

    const nodes = await nodesOf(d!)
    const at = (addr: string) => nodes.filter((n) => n.address === addr && n.status === 'Online')
    for (const h of [a!, b!, c!]) expect(at(h.host.addr), `a node at ${h.host.name}`).toHaveLength(1)
    const shown = ok(await d!.gc(['status']), 'status').stdout
    for (const h of [a!, b!, c!]) expect(shown).toContain(h.host.addr)
  }, 300_000)

  it('200,000 items from D through the nodes on B and C: every result once, each of B and C did some', async () => {
    const out = join(dir, 'tagged.txt')
    ok(
      await H.d!.gc(['run', '--command', TAG_FILTER, '--range', '1..200000', '--output', out], {
        timeoutMs: 240_000,
      }),
      'run on D',
    )
    const t = tally(readFileSync(out, 'utf8').split('\n').filter(Boolean), 200_000)
    expect({ dup: t.dup, missing: t.missing }).toEqual({ dup: 0, missing: 0 })
    for (const h of [H.b!, H.c!])
      expect(t.perNode.get(h.joined().node_id) ?? 0, h.host.name).toBeGreaterThan(0)
  }, 300_000)
})

describe('what a stranger gets', () => {
  it('a join string with a wrong fingerprint is refused in one line naming both (exit 5), and nothing is written', async () => {
    const wrong = joinString.replace(/sha256:[0-9a-f]{64}/, `sha256:${'ab'.repeat(32)}`)
    const r = await H.e!.gc(['join', wrong])
    expect(r.code).toBe(5)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`sha256:${'ab'.repeat(32)}`)
    expect(lines[0]).toContain(H.a!.cluster().tls.ca_fingerprint)
    expect(r.stderr).not.toContain('gct_')
    expect(existsSync(join(H.e!.home, '.config', 'idm-gridcore', 'joined'))).toBe(false)
  })

  it('a node token registering a task gets 403; a revoked token gets 401 on its next call', async () => {
    const nodeToken = /token=([^&]+)/.exec(joinString)![1]!
    const as = (token: string) => ['--hub', hub(), '--token', token, '--ca-file', caFile()]
    const reg = await H.e!.gc([
      'task',
      'register',
      '--name',
      'sneaky',
      '--command',
      'sh -c id',
      '--input-queue',
      'sneaky:in',
      ...as(nodeToken),
    ])
    expect(reg.code).toBe(5)
    expect(reg.stderr).toMatch(/403/)
    expect(reg.stderr).toMatch(/submit or admin token/)
    expect(reg.stderr).not.toContain(nodeToken)

    const temp = ok(
      await H.a!.gc(['token', 'create', '--role', 'submit', '--name', 'temp', '--json']),
      'token',
    )
    ok(await H.e!.gc(['task', 'list', ...as(temp.json.token)]), 'task list with a live token')
    ok(await H.a!.gc(['token', 'revoke', 'temp']), 'revoke')
    const after = await H.e!.gc(['task', 'list', ...as(temp.json.token)])
    expect(after.code).toBe(5)
    expect(after.stderr).toMatch(/401/)
  })

  it('a plaintext TCP client on the Redis TLS port gets no data', async () => {
    const probe = `const s = require('node:net').connect(16379, ${JSON.stringify(H.a!.host.addr)});
      let got = Buffer.alloc(0);
      s.on('connect', () => s.write('AUTH nope\\r\\nPING\\r\\nINFO\\r\\n'));
      s.on('data', (d) => { got = Buffer.concat([got, d]) });
      s.on('error', () => {});
      setTimeout(() => { console.log(JSON.stringify({ text: got.toString('latin1') })); process.exit(0) }, 2000);`
    const r = await H.e!.host.run(process.execPath, ['-e', probe])
    expect(r.code).toBe(0)
    const { text } = JSON.parse(r.stdout)
    expect(text).not.toMatch(/PONG|NOAUTH|WRONGPASS|ERR|redis_version/)
  })
})

describe('a volunteer node', () => {
  it('without --runtime process or --allow-command, a command task is an Error naming the flags in status; leave removes it', async () => {
    const { d, e } = H
    const j = ok(await e!.gc(['join', joinString, '--group', 'vol']), 'join as a volunteer')
    expect(j.stdout).toContain('container images only')
    const id = e!.joined().node_id
    let last = ''
    ok(
      await d!.gc([
        'task',
        'register',
        '--name',
        'vol1',
        '--group',
        'vol',
        '--command',
        'gridcore worker --filter cat',
        '--input-queue',
        'vol1:in',
      ]),
      'task register',
    )
    const node = await waitFor(
      'the volunteer to report the refused task',
      async () => {
        const all = await nodesOf(d!)
        last = JSON.stringify({ id, all, tasks: (await d!.gc(['task', 'list', '--json'])).stdout })
        return all.find((n) => n.id === id && n.runtime_status === 'Error')
      },
      30_000,
    ).catch((err) => {
      throw new Error(`${err.message}: ${last}`)
    })
    expect(node.address).toBe(e!.host.addr)
    expect(node.runtime_error.message).toContain('--runtime process')
    expect(node.runtime_error.message).toContain('--allow-command gridcore --allow-shell')
    ok(await d!.gc(['task', 'finish', 'vol1']), 'task finish')

    const pid = e!.joined().pid
    const left = ok(await e!.gc(['leave', '--json']), 'leave').json
    expect(left).toMatchObject({ was_joined: true, node_id: id, node: 'stopped' })
    expect(running(pid)).toBe(false)
    expect(existsSync(join(e!.home, '.config', 'idm-gridcore', 'joined'))).toBe(false)
    expect(ok(await e!.gc(['leave']), 'leave again').stdout).toContain('has not joined')
  }, 90_000)

  it('join --foreground with --allow-command gridcore --allow-shell runs run --command’s worker as its own gridcore; SIGTERM stops it (exit 0)', async () => {
    const { d, e } = H
    // The node that left may be listed a while longer (until its heartbeats are missed): a new one is wanted.
    const before = new Set((await nodesOf(d!)).map((n) => n.id))
    const fg = e!.spawn([
      'join',
      joinString,
      '--group',
      'vol',
      '--allow-command',
      'gridcore',
      '--allow-shell',
      '--foreground',
    ])
    const id = await waitFor(
      'the foreground node to register',
      async () => {
        if (fg.child.exitCode !== null) throw new Error(`join --foreground exited: ${fg.err()}`)
        return (await nodesOf(d!)).find(
          (n) =>
            !before.has(n.id) && n.address === e!.host.addr && n.group === 'vol' && n.status === 'Online',
        )?.id as string | undefined
      },
      30_000,
    )
    expect(e!.joined()).toMatchObject({ pid: fg.child.pid, mode: 'foreground' })
    ok(
      await d!.gc([
        'task',
        'register',
        '--name',
        'vol2',
        '--group',
        'vol',
        '--command',
        'gridcore worker --filter "sed -u s/^/v:/"',
        '--input-queue',
        'vol2:in',
        '--output-queue',
        'vol2:out',
      ]),
      'task register',
    )
    ok(await d!.gc(['push', '--range', '1..500', '-q', 'vol2:in', '--output-queue', 'vol2:out']), 'push')
    await waitFor(
      '500 results from the volunteer',
      async () =>
        (await d!.gc(['queue', 'stats', '-q', 'vol2:in', '--output-queue', 'vol2:out', '--json'])).json?.stats
          ?.done === 500,
      60_000,
    )
    const res = ok(await d!.gc(['results', '-q', 'vol2:in', '--output-queue', 'vol2:out']), 'results')
    expect(res.stdout.trim().split('\n').sort()).toEqual(
      Array.from({ length: 500 }, (_, i) => `v:${i + 1}`).sort(),
    )
    expect((await nodesOf(d!)).find((n) => n.id === id)?.runtime_status).not.toBe('Error')
    ok(await d!.gc(['task', 'finish', 'vol2']), 'task finish')
    fg.child.kill('SIGTERM')
    expect((await fg.exited).code).toBe(0)
    ok(await e!.gc(['leave']), 'leave')
  }, 120_000)
})

describe('--insecure-plaintext, for trusted networks and upstream gridnodes', () => {
  it('says so on stderr, and an upstream-shaped node on another host registers, polls, heartbeats and reaches Redis', async () => {
    const { p, e } = H
    const up = await p!.gc([
      'up',
      '--listen',
      p!.host.addr,
      '--insecure-plaintext',
      '--runtime',
      'process',
      '--parallelism',
      '1',
      '--json',
      ...PORTS,
    ])
    ok(up, 'up --insecure-plaintext')
    expect(up.stderr).toMatch(/--insecure-plaintext: .*unencrypted/)
    expect(up.json).toMatchObject({
      tls: false,
      listen: p!.host.addr,
      redis_url: `redis://:***@${p!.host.addr}:16379`,
    })
    expect(up.json.join).toMatch(/&insecure=1$|insecure=1/)
    const token = /token=([^&]+)/.exec(up.json.join)![1]!
    ok(
      await p!.gc(['task', 'register', '--name', 'img', '--image', 'alpine:3', '--input-queue', 'img:in']),
      'an image task',
    )
    // The fake upstream node: raw HTTP with upstream's bodies only, then plain RESP to the task's Redis.
    const fake = `const base = ${JSON.stringify(`http://${p!.host.addr}:18080`)};
      const h = { authorization: 'Bearer ' + ${JSON.stringify(token)}, 'content-type': 'application/json' };
      const call = async (m, path, body) => { const r = await fetch(base + path, { method: m, headers: h, body: body && JSON.stringify(body) }); return [r.status, await r.json()] };
      (async () => {
        const [rs, reg] = await call('POST', '/gridnode/register', { hostname: 'upstream-box', architecture: 'x86_64', cpu_count: 2 });
        const [ps, task] = await call('GET', '/gridnode/task?platform=linux/amd64');
        const [hs, beat] = await call('POST', '/gridnode/heartbeat', { node_id: reg.node_id, status: 'Idle', active_containers: 0 });
        const u = new URL(task.input_redis);
        const s = require('node:net').connect(Number(u.port), u.hostname);
        let got = '';
        s.on('connect', () => s.write('AUTH ' + decodeURIComponent(u.password) + '\\r\\nPING\\r\\n'));
        s.on('data', (d) => { got += d; if (got.includes('PONG')) { s.end(); console.log(JSON.stringify({ rs, reg, ps, task, hs, beat, got })); } });
      })().catch((e) => { console.error(e); process.exit(1) });`
    const r = await e!.host.run(process.execPath, ['-e', fake])
    expect(r.code, r.stderr).toBe(0)
    const o = JSON.parse(r.stdout)
    expect(o.rs).toBe(200)
    expect(o.ps).toBe(200)
    expect(o.task).toMatchObject({ task_name: 'img', image: 'alpine:3', input_queue: 'img:in' })
    expect(o.task.input_redis).toMatch(
      new RegExp(`^redis://:[^@]+@${p!.host.addr.replace(/\./g, '\\.')}:16379`),
    )
    expect(o.hs).toBe(200)
    expect(o.beat).toEqual({ stop_requested: false })
    expect(o.got).toContain('+OK')
    expect(o.got).toContain('+PONG')
    const all = await nodesOf(p!)
    const seen = all.find((n) => n.id === o.reg.node_id)
    // Listed as upstream lists it (no gridcore fields: the address the hub saw is on its status page only).
    expect(seen, JSON.stringify({ all, reg: o.reg })).toMatchObject({
      hostname: 'upstream-box',
      status: 'Online',
    })
    expect(seen).not.toHaveProperty('address')
  }, 90_000)
})

describe('up and down of a listening cluster', () => {
  it('up again reports it with the same join string; another --listen is refused; keys are 0600; down keeps the CA, --purge-data deletes it', async () => {
    const { a } = H
    const again = ok(await a!.gc(['up', '--json', ...PORTS]), 'up again').json
    expect(again).toMatchObject({ already_running: true, listen: a!.host.addr, tls: true, join: joinString })
    const other = await a!.gc(['up', '--listen', '0.0.0.0', ...PORTS])
    expect(other.code).toBe(3)
    expect(other.stderr).toMatch(
      /^gridcore: the local cluster runs listening on .* not listening on 0\.0\.0\.0 /m,
    )
    const tls = a!.cluster().tls
    for (const f of [tls.key_file, tls.ca_key_file, a!.cluster().join_token_file])
      expect(statSync(f).mode & 0o777, f).toBe(0o600)
    const conf = readFileSync(join(a!.cluster().redis.data_dir, 'redis.conf'), 'utf8')
    expect(conf).toMatch(/^protected-mode yes$/m)
    expect(conf).toMatch(/^requirepass /m)
    expect(conf).toMatch(/^port 0$/m)

    const down = ok(await a!.gc(['down', '--json']), 'down').json
    expect(down.kept_ca).toBe(tls.ca_file)
    expect(existsSync(tls.cert_file)).toBe(false)
    expect(existsSync(tls.ca_file)).toBe(true)
    const back = ok(
      await a!.gc(['up', '--listen', a!.host.addr, '--runtime', 'process', '--json', ...PORTS]),
      'up',
    ).json
    expect(back.ca_fingerprint).toBe(tls.ca_fingerprint)
    expect(back.join).toBe(joinString)
    ok(await a!.gc(['down', '--purge-data']), 'down --purge-data')
    expect(existsSync(tls.ca_file)).toBe(false)
  }, 120_000)
})
