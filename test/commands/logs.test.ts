// gridcore logs against a real `gridcore hub start` process fed by heartbeats carrying logs over raw HTTP (a node as
// the wire sees it): filters, NDJSON, the default task, --follow from another process until Ctrl-C, terminal escapes
// shown not obeyed, roles, an upstream hub.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { waitFor } from '../helpers/node.js'
import { startCli } from '../helpers/procs.js'
import { parsePrometheus, samples } from '../helpers/prom.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const dir = tempDir()
let hub: HubProcess
const ids: Record<string, string> = {}
const env = () => ({
  GRIDCORE_HOME: dir,
  GRIDCORE_HUB_URL: hub.url,
  GRIDCORE_TOKEN: TOKEN,
  GRIDCORE_CLUSTER: undefined,
})
const gc = (args: string[], extra: Record<string, string | undefined> = {}) =>
  runCli(args, { env: { ...env(), ...extra } })

const json = async (method: string, path: string, body?: unknown) => {
  const r = await hub.call(method, path, body)
  expect(r.status, r.text).toBeLessThan(300)
  return r.text ? JSON.parse(r.text) : undefined
}
let clock = Date.parse('2026-03-01T10:00:00Z')
const line = (text: string, stream = 'stdout') => ({ at: new Date(clock++).toISOString(), stream, text })
async function send(host: string, task: string, instance: number, lines: unknown[], dropped = 0) {
  const r = await json('POST', '/gridnode/heartbeat', {
    node_id: ids[host],
    status: 'Error',
    active_containers: 1,
    logs: [{ task, instance, lines, dropped }],
  })
  expect(r).toEqual({ stop_requested: false, logs_accepted: lines.length })
}

beforeAll(async () => {
  hub = await startHubProcess(dir, 'logs')
  await json('POST', '/api/tasks', { name: 'old', command: ['false'] })
  await json('POST', '/api/tasks/finish')
  await json('POST', '/api/tasks', { name: 'broken', command: ['python3', '-c', 'raise SystemExit(3)'] })
  for (const host of ['alpha', 'beta']) {
    ids[host] = (
      await json('POST', '/gridnode/register', { hostname: host, architecture: 'x86_64', cpu_count: 2 })
    ).node_id
  }
  await send('alpha', 'old', 0, [line('from the old task')])
  await send('alpha', 'broken', 0, [line('starting'), line('Traceback (most recent call last):', 'stderr')])
  await send('beta', 'broken', 1, [line('ValueError: bad item 42', 'stderr')], 4)
})
afterAll(() => hub?.stop())

/** GET /api/logs requests the hub answered so far (its own metrics). */
async function logRequests(): Promise<number> {
  const m = parsePrometheus((await hub.call('GET', '/metrics')).text)
  return samples(m, 'gridcore_hub_request_duration_seconds_count')
    .filter((s) => s.labels.route === '/api/logs')
    .reduce((a, s) => a + s.value, 0)
}

const parse = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))

describe('gridcore logs', () => {
  it('shows the running task’s lines by default, as NDJSON with --json, and says what was dropped', async () => {
    const r = await gc(['logs', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const lines = parse(r.stdout)
    expect(lines.map((l) => [l.hostname, l.task, l.instance, l.stream, l.text])).toEqual([
      ['alpha', 'broken', 0, 'stdout', 'starting'],
      ['alpha', 'broken', 0, 'stderr', 'Traceback (most recent call last):'],
      ['beta', 'broken', 1, 'stderr', 'ValueError: bad item 42'],
    ])
    expect(Object.keys(lines[0]).sort()).toEqual(
      ['seq', 'at', 'node', 'hostname', 'task', 'instance', 'stream', 'text'].sort(),
    )
    expect(r.stderr).toContain('logs of the running task broken')
    expect(r.stderr).toContain('4 line(s) were dropped')
  })

  it('filters by task, node id or hostname, and instance; --tail keeps the last lines', async () => {
    const old = parse((await gc(['logs', '--task', 'old', '--json'])).stdout)
    expect(old.map((l) => l.text)).toEqual(['from the old task'])
    const beta = parse((await gc(['logs', '--node', 'beta', '--json'])).stdout)
    expect(beta.map((l) => l.text)).toEqual(['ValueError: bad item 42'])
    const byId = parse((await gc(['logs', '--node', ids.alpha!, '--instance', '0', '--json'])).stdout)
    expect(byId.map((l) => l.text)).toEqual(['starting', 'Traceback (most recent call last):'])
    const both = parse(
      (await gc(['logs', '--task', 'old', '--task', 'broken', '--tail', '2', '--json'])).stdout,
    )
    expect(both.map((l) => l.text)).toEqual(['Traceback (most recent call last):', 'ValueError: bad item 42'])
  })

  it('prints lines for people with where they came from, and shows terminal escapes instead of obeying them', async () => {
    await send('beta', 'broken', 1, [line('\x1b[2J\x1b]0;pwned\x07cleared?', 'stderr')])
    const r = await gc(['logs', '--node', 'beta', '--tail', '1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /^2026-03-01T10:00:00\.\d{3}Z beta\/broken#1 ERR \\x1b\[2J\\x1b\]0;pwned\\x07cleared\?\n$/,
    )
    expect(r.stdout).not.toContain('\x1b')
  })

  it('--follow prints lines sent after it started, from another process, until Ctrl-C (exit 130)', async () => {
    const before = await logRequests()
    const follower = startCli(['logs', '--follow', '--json', '--tail', '0', '--task', 'broken'], {
      ...env(),
      NO_COLOR: '1',
    })
    // Once its first request is answered, every line the hub keeps after it is the follower's to print.
    await waitFor('the follower’s first request', async () => (await logRequests()) > before, 15_000)
    await send('alpha', 'broken', 0, [line('exit code 3: ZeroDivisionError', 'stderr')])
    await send('alpha', 'old', 0, [line('not followed')])
    await waitFor('the new line', () => follower.out().includes('ZeroDivisionError'), 15_000)
    follower.child.kill('SIGINT')
    const end = await follower.exited
    expect(end.code).toBe(130)
    const lines = parse(follower.out())
    expect(lines.map((l) => l.text)).toEqual(['exit code 3: ZeroDivisionError'])
  })

  it('works with a read token, refuses a node token (exit 5) and bad flags (exit 2)', async () => {
    const read = (await json('POST', '/api/tokens', { role: 'read', name: 'logs-read' })).token
    const node = (await json('POST', '/api/tokens', { role: 'node', name: 'logs-node' })).token
    expect((await gc(['logs', '--json'], { GRIDCORE_TOKEN: read })).code).toBe(0)
    const refused = await gc(['logs'], { GRIDCORE_TOKEN: node })
    expect(refused.code).toBe(5)
    expect(refused.stderr).toContain("needs the role 'read'")
    expect(refused.stderr).not.toContain(node)
    const bad = await gc(['logs', '--instance', '-1'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('gridcore: --instance "-1" is not an instance index: expected 0, 1, 2, …\n')
    const tail = await gc(['logs', '--tail', '20000'])
    expect(tail.code).toBe(2)
    expect(tail.stderr).toBe('gridcore: --tail "20000" is not a line count: expected 0 to 10000\n')
  })

  it('says plainly when the hub keeps no logs or ledger (an upstream computehub)', async () => {
    const upstream: Server = createServer((req, res) => {
      if (req.url === '/api/tasks') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"current":null,"pending":[],"completed":[]}')
      } else if (req.url === '/api/nodes') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('[]')
      } else res.writeHead(404).end()
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    const r = await gc(['logs', '--json'], { GRIDCORE_HUB_URL: url })
    // node list still lists an upstream hub's nodes, saying it keeps no ledger.
    const nodes = await gc(['node', 'list', '--json'], { GRIDCORE_HUB_URL: url })
    upstream.close()
    expect(nodes.code, nodes.stderr).toBe(0)
    expect(nodes.json).toEqual({
      nodes: [],
      task: null,
      departed: [],
      note: 'this hub keeps no contribution ledger (not a gridcore hub)',
    })
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('keeps no instance logs (an upstream computehub)')
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ error: { exit_code: 6 } })
  })
})
