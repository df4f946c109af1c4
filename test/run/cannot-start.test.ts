// A task that cannot start is told in seconds (exit 11) with the node's error, not after the 2-minute stall:
// the Python template without its redis package, a --command or --consumer that does not exist, a cluster whose
// nodes cannot run this kind of task. watch says the same; status shows each node's runtime_error.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { requireDocker } from '../helpers/docker.js'
import { fileCluster } from '../helpers/file-cluster.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes } from '../helpers/node.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const gc = fileCluster(home, { timeoutMs: 60_000 })
const out = (name: string) => join(dir, `${name}.txt`)

/** Runs `args` with --json and checks: exit 11 within 15 s, the task and its items removed; the error. */
async function cannotStart(args: string[], cwd?: string) {
  const t0 = Date.now()
  const r = await gc(['run', ...args, '--json'], { cwd })
  expect(r.code, r.stderr).toBe(11)
  expect(Date.now() - t0).toBeLessThan(15_000)
  expect(r.json.error.code).toBe('CANNOT_START')
  const tasks = (await gc(['task', 'list', '--json'])).json
  expect(tasks.current).toBeNull()
  return r.json.error
}

describe('run fails fast (exit 11) when the task cannot start', () => {
  it('the Python template under an interpreter without redis: the import error, the node, what to do', async () => {
    const t = scaffold({ template: 'python', name: 'pyt', dir: join(dir, 'py') })
    // -S: no site packages, so Debian's python3-redis is out of reach (as on a machine without it).
    const e = await cannotStart(
      [
        '--consumer',
        '/usr/bin/python3 -S consumer.py',
        '--range',
        '1..1000',
        '-o',
        out('py'),
        '--name',
        'py',
      ],
      t.dir,
    )
    expect(e.message).toMatch(
      /^the task cannot start: its instances keep failing on node \S+ \(\S+\) before any item is done — \{"error": "the redis package is missing: pip install -r requirements.txt \(Debian: apt-get install python3-redis\)"\} \(exit code 1, \d+ instances failed; log on that node: \S+\.log\)\. A package the program needs is missing on that node: install it there .*; task \S+ and the 1,000 items it pushed were removed$/,
    )
    expect(e.runtime_error).toMatchObject({
      exit_code: 1,
      message: expect.stringContaining('redis package is missing'),
    })
    expect(e.node).toEqual({ id: expect.any(String), hostname: expect.any(String) })
    expect(e.failed_instances).toBeGreaterThanOrEqual(3)
    // Fixed (an interpreter with redis), the same command with the same name runs at once: the failures the nodes
    // still report for the earlier task of that name are not held against it.
    const fixed = await gc(
      [
        'run',
        '--consumer',
        '/usr/bin/python3 -u consumer.py',
        '--range',
        '1..1000',
        '-o',
        out('py'),
        '--name',
        'py',
        '--json',
      ],
      { cwd: t.dir },
    )
    expect(fixed.code, fixed.stderr).toBe(0)
    expect(fixed.json).toMatchObject({ items: 1000, done: 1000 })
  })

  it('a --command whose program does not exist', async () => {
    const e = await cannotStart([
      '--command',
      'gridcore-no-such-filter',
      '--range',
      '1..100',
      '-o',
      out('cmd'),
    ])
    expect(e.message).toMatch(/gridcore-no-such-filter: not found/)
    expect(e.message).toMatch(/A program or file it names does not exist on that node/)
  })

  it('a --consumer that does not exist', async () => {
    const e = await cannotStart([
      '--consumer',
      './no-such-consumer --x',
      '--range',
      '1..100',
      '-o',
      out('con'),
    ])
    expect(e.message).toMatch(/no-such-consumer: not found \(exit code 127/)
  })

  it('--image on a cluster whose nodes run only processes, before anything is registered', async () => {
    const before = (await gc(['task', 'list', '--json'])).json
    const e = await cannotStart(['--image', 'app:1', '--range', '1..10', '-o', out('img')])
    expect(e.message).toMatch(
      /^the task cannot start: it runs a container image \(--image\), and the 1 online node\(s\), \S+ \(\S+\), run only processes: start a node with Docker \(gridcore node start --runtime docker\)/,
    )
    expect(e).toMatchObject({ reason: 'no-capable-node', needs: 'image' })
    expect((await gc(['task', 'list', '--json'])).json).toEqual(before)
  })
})

describe('watch and status', () => {
  it('watch exits 11 with the node’s error; status shows it per node in text and JSON', async () => {
    const reg = await gc([
      'task',
      'register',
      '--name',
      'broken',
      '--command',
      'gridcore-no-such-program',
      '--input-queue',
      'broken:in',
      '--output-queue',
      'broken:out',
    ])
    expect(reg.code, reg.stderr).toBe(0)
    expect((await gc(['push', '--range', '1..50'])).code).toBe(0)
    const t0 = Date.now()
    const w = await gc(['watch', '--json', '--interval', '0.3'])
    expect(w.code, w.stderr).toBe(11)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(w.json.error.message).toMatch(
      /^the task cannot start: its instances keep failing on node \S+ \(\S+\) before any item is done — could not start gridcore-no-such-program: .*ENOENT.*; task broken stays registered: fix it, then gridcore task finish and register it again$/,
    )
    const s = await gc(['status', '--json'])
    const failing = s.json.nodes.find((n: { runtime_error?: unknown }) => n.runtime_error)
    expect(failing.runtime_error).toMatchObject({
      task: 'broken',
      exit_code: null,
      failed_instances: expect.any(Number),
    })
    const text = await gc(['status'])
    expect(text.stdout).toMatch(
      /^Node \S+ \(\S+\): instances of task broken fail \(did not start, \d+ failed, last \d+s ago; log on the node: \S+\):\n {2}could not start gridcore-no-such-program: .*ENOENT/m,
    )
  })
})

describe('a cluster whose nodes cannot run this kind of task', () => {
  let hub: TestHub
  let redis: TestRedis
  const nodes: NodeProc[] = []
  const imgHome = join(dir, 'img-home')
  beforeAll(async () => {
    await requireDocker()
    hub = await startTestHub({ dir })
    redis = await startTestRedis()
    const c = await gc(
      ['connect', '--name', 'img', '--hub', hub.url, '--token', hub.token, '--redis', redis.url],
      {
        home: imgHome,
      },
    )
    expect(c.code, c.stderr).toBe(0)
  })
  afterAll(async () => {
    await stopNodes(nodes)
    await hub?.stop()
    await redis?.stop()
  })

  it('--command with only Docker (image) nodes online: exit 11 naming the missing kind of node, nothing registered', async () => {
    const n = startNodeProc(dir, hub, { toml: { runtime: '"docker"', network_mode: '"host"' } })
    nodes.push(n)
    await n.id()
    const t0 = Date.now()
    const r = await gc(['run', '--command', 'cat', '--range', '1..10', '-o', out('imgonly'), '--json'], {
      home: imgHome,
    })
    expect(r.code, r.stderr).toBe(11)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(r.json.error.message).toMatch(
      /^the task cannot start: it runs a program \(--command\/--consumer\), and the 1 online node\(s\), \S+ \(\S+\), run only container images: start a node that runs processes \(gridcore node start --runtime process, or gridcore up for a local cluster\), or run a container image with --image$/,
    )
    expect(r.json.error.nodes).toEqual([expect.objectContaining({ capabilities: ['image'] })])
    expect((await hub.call('GET', '/api/tasks')).json).toEqual({ current: null, pending: [], completed: [] })
  })
})
