// Remote logs, node side: a real node sends its instances' output lines on the heartbeat channel — to a real
// `gridcore hub start` (through a recording proxy) without breaking anything, and to hubs that do or do not say they
// keep logs: within the bounds (1,000 lines / 256 KB a beat, a batch a second at most), drops counted, never faster
// than the normal heartbeat pace for a hub that does not answer logs_accepted.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LogBatch } from '../../src/hub/protocol.js'
import { runCli } from '../helpers/cli.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { type RecordingHub, startRecordingHub } from '../helpers/recording-hub.js'
import { startTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const dir = tempDir()
const nodes: NodeProc[] = []
const recorders: RecordingHub[] = []
let hub: HubProcess

beforeAll(async () => {
  hub = await startHubProcess(dir, 'logs-hub')
})
afterEach(async () => {
  await stopNodes(nodes)
  for (const r of recorders.splice(0)) await r.close()
})
afterAll(() => hub?.stop())

const node = (url: string, toml: Record<string, string | number> = {}) => {
  const n = startNodeProc(dir, { url, token: TOKEN }, { toml: { parallelism: 1, ...toml } })
  nodes.push(n)
  return n
}
const batchesOf = (r: RecordingHub): LogBatch[] => r.beats().flatMap((b) => b.logs ?? [])
/** Lines and drops of one instance, over every heartbeat so far. */
const delivered = (r: RecordingHub, instance: number) => {
  const mine = batchesOf(r).filter((b) => b.instance === instance)
  return {
    lines: mine.flatMap((b) => b.lines),
    dropped: mine.reduce((a, b) => a + b.dropped, 0),
  }
}
/** A fake hub that answers like a gridcore hub; `logsAccepted` says whether it keeps logs. */
const fakeHub = (task: Record<string, unknown>, logsAccepted: boolean) =>
  startRecordingHub({
    answer: (path, body) => {
      if (path === '/gridnode/register') return { node_id: 'chatty-node', current_task: task }
      if (path === '/gridnode/heartbeat')
        return logsAccepted && body.logs
          ? {
              stop_requested: false,
              logs_accepted: body.logs.reduce((a: number, b: LogBatch) => a + b.lines.length, 0),
            }
          : { stop_requested: false }
      return task
    },
  })
const commandTask = (name: string, script: string) => ({
  task_name: name,
  image: '',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
  command: [process.execPath, '-e', script],
})

describe('remote logs against a real hub', () => {
  it('a failing process instance’s stdout and stderr lines travel with the heartbeats; the hub keeps them and says how many (logs_accepted)', async () => {
    const proxy = await startRecordingHub({ forward: hub.url })
    recorders.push(proxy)
    const n = node(proxy.url, { heartbeat_interval: 1 })
    const id = await n.id()
    const script =
      "console.log('starting ' + process.env.INSTANCE_ID); console.error('Traceback (most recent call last):'); console.error('ValueError: boom é'); console.log('redis was ' + process.env.INPUT_REDIS_URL); process.exit(3)"
    const reg = await hub.call('POST', '/api/tasks', {
      name: 'fails-loudly',
      command: [process.execPath, '-e', script],
      input_redis: 'redis://:hunter2-secret@127.0.0.1:1',
      input_queue: 'q:in',
    })
    expect(reg.status).toBe(201)
    try {
      const lines = await waitFor(
        'two failures’ lines',
        () => {
          const got = delivered(proxy, 0).lines
          return got.filter((l) => l.text === 'ValueError: boom é').length >= 2 && got
        },
        20_000,
      )
      // The first run's four lines (the two pipes may arrive in either order; each stream keeps its own).
      const first = lines.slice(0, 4)
      expect(first.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual([
        'starting 0',
        'redis was redis://:***@127.0.0.1:1',
      ])
      expect(first.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual([
        'Traceback (most recent call last):',
        'ValueError: boom é',
      ])
      for (const l of lines) expect(l.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      // A password the instance prints never leaves the node.
      expect(JSON.stringify(proxy.beats())).not.toContain('hunter2')
      const batch = batchesOf(proxy)[0]!
      expect(batch).toMatchObject({ task: 'fails-loudly', instance: 0, dropped: 0 })
      // The first heartbeat asks with an empty batch; the hub answers what it kept of each batch (logs_accepted), and
      // a heartbeat without logs as before.
      const beats = proxy.seen.filter((s) => s.url === '/gridnode/heartbeat')
      expect(beats[0]!.body.logs).toEqual([])
      for (const b of beats) {
        const sent = b.body.logs as LogBatch[] | undefined
        if (sent === undefined) expect(Object.keys(b.answer).sort()).toEqual(['stop_requested'])
        else
          expect(b.answer).toEqual({
            stop_requested: false,
            logs_accepted: sent.reduce((a, x) => a + x.lines.length, 0),
          })
      }
      // And the hub keeps them: GET /api/logs gives the node's lines for the task, masked as they were sent.
      const kept = JSON.parse(
        (await hub.call('GET', `/api/logs?node=${encodeURIComponent(id)}&task=fails-loudly`)).text,
      )
      const keptTexts = kept.lines.map((l: { text: string }) => l.text)
      expect(keptTexts).toContain('ValueError: boom é')
      expect(keptTexts).toContain('redis was redis://:***@127.0.0.1:1')
      expect(kept.lines[0]).toMatchObject({ node: id, task: 'fails-loudly', instance: 0 })
      const row = JSON.parse((await hub.call('GET', '/api/nodes')).text).find(
        (x: { id: string }) => x.id === id,
      )
      expect(row).toMatchObject({
        runtime_status: 'Error',
        runtime_error: { task: 'fails-loudly', exit_code: 3 },
      })
    } finally {
      await hub.call('POST', '/api/tasks/finish') // the next test's task runs after it
    }
  })
})

describe('a broken run --command filter', () => {
  it('its error text reaches the hub through the logs of the node that ran it', async () => {
    const redis = await startTestRedis()
    try {
      const proxy = await startRecordingHub({ forward: hub.url })
      recorders.push(proxy)
      node(proxy.url, { heartbeat_interval: 1 })
      const home = join(dir, 'run-home')
      const env = { GRIDCORE_HOME: home }
      const connect = await runCli(
        ['connect', '--name', 'c', '--hub', hub.url, '--token', TOKEN, '--redis', redis.url],
        { env },
      )
      expect(connect.code, connect.stderr).toBe(0)
      const broken = join(dir, 'broken.py')
      writeFileSync(
        broken,
        'import sys\nfor line in sys.stdin:\n    raise ValueError("deliberately broken on " + line.strip())\n',
      )
      const run = await runCli(
        [
          'run',
          '--cluster',
          'c',
          '--command',
          `python3 -u ${broken}`,
          '--range',
          '1..3',
          '-o',
          join(dir, 'r.txt'),
        ],
        { env, timeoutMs: 60_000 },
      )
      expect(run.code, run.stderr).toBe(10)
      const texts = await waitFor('the traceback on the hub', () => {
        const t = batchesOf(proxy).flatMap((b) => b.lines.map((l) => `${l.stream} ${l.text}`))
        return t.some((x) => x.includes('ValueError: deliberately broken on')) && t
      })
      expect(texts.find((x) => x.includes('ValueError: deliberately broken on'))).toMatch(/^stderr /)
    } finally {
      await redis.stop()
    }
  }, 90_000)
})

describe('bounds and pace', () => {
  it('a chatty instance: at most 1,000 lines / 256 KB a heartbeat, a batch a second, every line delivered or counted as dropped', async () => {
    const N = 20_000
    const script = `for (let i = 0; i < ${N}; i++) (i % 10 ? process.stdout : process.stderr).write('line ' + i + ' ' + 'x'.repeat(i % 200) + '\\n'); setInterval(() => {}, 1e6)`
    const fake = await fakeHub(commandTask('chatty', script), true)
    recorders.push(fake)
    node(fake.url, { parallelism: 2, heartbeat_interval: 30 })
    for (const i of [0, 1])
      await waitFor(
        `every line of instance ${i} accounted for`,
        () => {
          const d = delivered(fake, i)
          return d.lines.length + d.dropped === N
        },
        30_000,
      )
    const beats = fake.seen.filter((s) => s.url === '/gridnode/heartbeat' && s.body.logs?.length)
    for (const b of beats) {
      const lines = (b.body.logs as LogBatch[]).reduce((a, x) => a + x.lines.length, 0)
      expect(lines).toBeLessThanOrEqual(1000)
      expect(Buffer.byteLength(JSON.stringify(b.body.logs))).toBeLessThanOrEqual(256 * 1024)
    }
    // Log batches come a second apart (measured here, so a little network jitter is allowed), not at the 30 s pace.
    const gaps = beats.slice(1).map((b, i) => b.at - beats[i]!.at)
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(850)
    expect(beats.length).toBeGreaterThanOrEqual(2)
    for (const i of [0, 1]) {
      const d = delivered(fake, i)
      expect(d.dropped).toBeGreaterThan(0)
      // Oldest first, each stream in the order printed (the two pipes interleave as they arrive), the newest kept.
      const numbers = (stream: string) =>
        d.lines.filter((l) => l.stream === stream).map((l) => Number(l.text.split(' ')[1]))
      const [out, err] = [numbers('stdout'), numbers('stderr')]
      expect(out).toEqual([...out].sort((a, b) => a - b))
      expect(err).toEqual([...err].sort((a, b) => a - b))
      expect(out.at(-1)).toBe(N - 1)
      expect(err.every((x) => x % 10 === 0) && out.every((x) => x % 10 !== 0)).toBe(true)
    }
  })

  it('a hub that never answers logs_accepted gets the lines at the normal heartbeat pace only', async () => {
    const script = "let i = 0; setInterval(() => console.log('tick ' + i++), 20)"
    const fake = await fakeHub(commandTask('ticking', script), false)
    recorders.push(fake)
    node(fake.url, { heartbeat_interval: 2 })
    await waitFor('lines on the hub', () => delivered(fake, 0).lines.length > 0, 15_000)
    const from = Date.now()
    await new Promise((r) => setTimeout(r, 7_000))
    const beats = fake.seen.filter((s) => s.url === '/gridnode/heartbeat' && s.at >= from)
    // 7 s at a 2 s pace: 3 or 4 beats, each with the lines since the one before.
    expect(beats.length).toBeGreaterThanOrEqual(3)
    expect(beats.length).toBeLessThanOrEqual(4)
    for (const b of beats) expect(b.body.logs[0].lines.length).toBeGreaterThan(0)
    const numbers = delivered(fake, 0).lines.map((l) => Number(l.text.split(' ')[1]))
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i))
  })
})
