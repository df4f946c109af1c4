// The contribution ledger over real nodes: two `gridcore node start` processes share one queue, and <in>:ledger
// credits each node with exactly what it committed (results tagged with NODE_ID, failed records naming the
// consumer) — through the Node template's consumer and through the `run --command` worker.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords } from '../../src/queue/ops.js'
import { scaffold } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'cli-home')
let hub: TestHub
let redis: TestRedis
const nodes: NodeProc[] = []

beforeAll(async () => {
  hub = await startTestHub({ dir })
  redis = await startTestRedis()
})
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(async () => {
  await hub?.stop()
  await redis?.stop()
})

/** Two nodes, both registered before any work exists, so both get a share. */
async function twoNodes(): Promise<string[]> {
  for (let i = 0; i < 2; i++)
    nodes.push(startNodeProc(dir, hub, { toml: { parallelism: 1 }, env: { GRIDCORE_BATCH: '20' } }))
  return Promise.all(nodes.map((n) => n.id()))
}

/** ledger fields -> {node: {done, failed}} */
function byNode(hash: Record<string, string>): Record<string, { done: number; failed: number }> {
  const out: Record<string, { done: number; failed: number }> = {}
  for (const [field, v] of Object.entries(hash)) {
    const at = field.lastIndexOf(':')
    const [node, kind] = [field.slice(0, at), field.slice(at + 1) as 'done' | 'failed']
    out[node] ??= { done: 0, failed: 0 }
    out[node][kind] = Number(v)
  }
  return out
}

/** What each node committed, from the results (prefixed with NODE_ID) and the failed records (their consumer). */
async function committed(q: { input: string; output: string }, results: string[], ids: string[]) {
  const r = redis.client()
  try {
    const failed = await listRecords(r, queueKeys(q.input, q.output).failed, 100_000)
    const ledger = byNode(await r.hgetall(queueKeys(q.input, q.output).ledger))
    const counted = Object.fromEntries(
      ids.map((id) => [
        id,
        {
          done: results.filter((x) => x.startsWith(`${id} `)).length,
          failed: failed.filter((f) => String(f.consumer).startsWith(`${id}:`)).length,
        },
      ]),
    )
    return { ledger, counted, failed: failed.length }
  } finally {
    r.disconnect()
  }
}

describe('the contribution ledger', () => {
  it('two nodes running the Node template: each node’s count equals what it committed, the counts sum to the items', async () => {
    const app = join(dir, 'tagger')
    scaffold({ template: 'node', name: 'tagger', dir: app })
    // Results name the node that made them; every 25th item fails; a little work per item spreads the batches.
    writeFileSync(
      join(app, 'task.mjs'),
      `export function handle(item) {
  const until = Date.now() + 1
  while (Date.now() < until);
  if (Number(item) % 25 === 0) throw new Error('unlucky ' + item)
  return process.env.NODE_ID + ' ' + item
}
`,
    )
    const ids = await twoNodes()
    const q = { input: 'ledger-tpl:in', output: 'ledger-tpl:out' }
    await hub.call('POST', '/api/tasks', {
      body: {
        name: 'ledger-tpl',
        command: [process.execPath, join(app, 'consumer.mjs')],
        input_redis: redis.url,
        output_redis: redis.url,
        input_queue: q.input,
        output_queue: q.output,
      },
    })
    const N = 3000
    expect(
      (await runCli(['push', '--range', `1..${N}`, '--redis', redis.url, '--queue', q.input])).code,
    ).toBe(0)
    const r = redis.client()
    await waitFor(
      'every item settled',
      async () => {
        const s = await r.hgetall(`${q.input}:stats`)
        return Number(s.done ?? 0) + Number(s.failed ?? 0) === N
      },
      60_000,
    )
    const results = await r.lrange(q.output, 0, -1)
    r.disconnect()
    const { ledger, counted, failed } = await committed(q, results, ids)
    expect(results).toHaveLength(N - N / 25)
    expect(failed).toBe(N / 25)
    expect(ledger).toEqual(counted)
    const sum = Object.values(ledger).reduce((a, x) => ({
      done: a.done + x.done,
      failed: a.failed + x.failed,
    }))
    expect(sum).toEqual({ done: N - N / 25, failed: N / 25 })
    for (const id of ids) expect(ledger[id]!.done).toBeGreaterThan(0)
  })

  it('two nodes running a `gridcore run --command` filter: the worker’s commits are credited the same way', async () => {
    const connect = await runCli(
      ['connect', '--name', 'c', '--hub', hub.url, '--token', hub.token, '--redis', redis.url],
      { env: { GRIDCORE_HOME: home } },
    )
    expect(connect.code, connect.stderr).toBe(0)
    const filter = join(dir, 'tag.py')
    writeFileSync(
      filter,
      [
        'import os, sys, time',
        'node = os.environ["NODE_ID"]',
        'for line in sys.stdin:',
        '    n = int(line)',
        '    time.sleep(0.001)',
        '    if n % 100 == 0:',
        '        sys.exit("unlucky %d" % n)',
        '    print(node, n, flush=True)',
        '',
      ].join('\n'),
    )
    const ids = await twoNodes()
    const out = join(dir, 'run-out.txt')
    const N = 2000
    const run = await runCli(
      [
        'run',
        '--cluster',
        'c',
        '--name',
        'ledger-run',
        '--command',
        `python3 -u ${filter}`,
        '--range',
        `1..${N}`,
        '--output',
        out,
        '--json',
      ],
      { env: { GRIDCORE_HOME: home }, timeoutMs: 90_000 },
    )
    // Some items failed on purpose: exit 10, and the summary counts them.
    expect(run.code, run.stderr).toBe(10)
    expect(run.json).toMatchObject({ done: N - N / 100, failed: N / 100, dead: 0 })
    const results = readFileSync(out, 'utf8').trim().split('\n')
    const { ledger, counted } = await committed(
      { input: 'gridcore:ledger-run:in', output: 'gridcore:ledger-run:out' },
      results,
      ids,
    )
    expect(ledger).toEqual(counted)
    expect(Object.values(ledger).reduce((a, x) => a + x.done, 0)).toBe(N - N / 100)
    expect(Object.values(ledger).reduce((a, x) => a + x.failed, 0)).toBe(N / 100)
    for (const id of ids) expect(ledger[id]!.done).toBeGreaterThan(0)
  }, 120_000)
})
