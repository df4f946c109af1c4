// gridcore results, the real CLI against redis-server: a fenced drain lock, and results written as bytes.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JournalWriter, journalPath } from '../../src/queue/drain-journal.js'
import { queueKeys } from '../../src/queue/keys.js'
import { collectResults } from '../../src/queue/results.js'
import { runCli } from '../helpers/cli.js'
import { sleep, start, startCli } from '../helpers/procs.js'
import { NOT_UTF8, queueFlags, queueNames } from '../helpers/queues.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const t = useTestRedis()
const dir = tempDir()
const names = () => queueNames('res')
const qa = (n: { input: string; output: string }) => queueFlags(t.redis.url, n)
const DRAINER = fileURLToPath(new URL('../fixtures/drainer.mjs', import.meta.url))
async function until(ok: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await sleep(10)
  }
}
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

describe('the drain lock is fenced', () => {
  it('a drainer paused (SIGSTOP) past its lock while a second one drains: no result written twice or lost', async () => {
    const n = names()
    const total = 400_000
    for (let i = 0; i < total; i += 20_000)
      await t.r.lpush(n.output, ...Array.from({ length: 20_000 }, (_, j) => `r${i + j}`))
    const fileA = join(dir, `a-${n.input}.txt`)
    const fileB = join(dir, `b-${n.input}.txt`)
    const a = startCli(['results', ...qa(n), '--out', fileA])
    // Pause A in the middle of its drain (after it wrote and flushed some, most likely in a batch).
    while ((await t.r.llen(n.output)) > total - 30_000) await sleep(2)
    a.child.kill('SIGSTOP')
    await sleep(200)
    // A stalls past its lock: the lock runs out as if its 60 s had passed, and B takes the drain over.
    const lock = `${n.output}:collector`
    expect(await t.r.exists(lock)).toBe(1)
    await t.r.pexpire(lock, 1)
    await sleep(20)
    const b = await runCli(['results', ...qa(n), '--out', fileB, '--json'], { timeoutMs: 60_000 })
    expect(b.code, b.stderr).toBe(0)
    a.child.kill('SIGCONT')
    const endA = await a.exited
    const all = [...lines(fileA), ...lines(fileB)]
    expect(new Set(all).size).toBe(total) // none lost
    expect(all).toHaveLength(total) // none twice
    expect(await t.r.llen(n.output)).toBe(0)
    if (endA.code !== 0) {
      expect(endA.code).toBe(2)
      expect(a.err()).toMatch(/stalled past its drain lock .* taken back out of the file/)
    }
    expect(await t.r.exists(lock)).toBe(0)
  }, 90_000)

  it('a drainer leaves another drainer’s lock alone when it ends', async () => {
    const n = names()
    await t.r.set(`${n.output}:collector`, 'someone-else', 'PX', 60_000)
    const r = await runCli(['results', ...qa(n), '--json', '--out', join(dir, 'x.txt')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/another gridcore results is draining/)
    expect(await t.r.get(`${n.output}:collector`)).toBe('someone-else')
  })
})

describe('a drainer that drains again and again (run’s collector) killed mid-batch', () => {
  it('writes each result once when the next drain settles its journal, even after an earlier drain of the same lock', async () => {
    const n = names()
    const keys = queueKeys(n.input, n.output)
    const out = join(dir, `again-${n.input}.txt`)
    await t.r.lpush(n.output, ...Array.from({ length: 100 }, (_, i) => `first${i}`))
    // The drainer logs in as its own Redis user, so the test can take scripts away from it between its drains.
    const user = `drainer${randomBytes(3).toString('hex')}`
    await t.r.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all')
    const d = start(process.execPath, [DRAINER], {
      REDIS_URL: `redis://${user}:pw@127.0.0.1:${t.redis.port}`,
      INPUT_QUEUE: n.input,
      OUTPUT_QUEUE: n.output,
      OUT: out,
    })
    d.child.stdin?.write('go\n')
    await until(() => d.out().includes('drained 100'))
    // Its second drain writes and flushes the next batch, and dies before Redis lets go of it: the script that
    // removes the batch is refused to it (a script's commands are checked against its user too), as if it had been
    // killed at that moment.
    await t.r.lpush(n.output, ...Array.from({ length: 50 }, (_, i) => `second${i}`))
    await t.r.call('ACL', 'SETUSER', user, '-ltrim')
    d.child.stdin?.write('go\n')
    await until(() => d.out().includes('failed'))
    expect(lines(out)).toHaveLength(150)
    d.child.kill('SIGKILL')
    await d.exited
    expect(await t.r.llen(n.output)).toBe(50)
    const r = await collectResults({ redis: t.r, keys, format: 'raw', out })
    // The journal is settled: the killed drain's batch never left Redis, so it is cut from the file and written again.
    expect(r.written).toBe(50)
    const got = lines(out)
    expect(new Set(got).size).toBe(got.length)
    expect(got).toHaveLength(150)
    expect(await t.r.llen(n.output)).toBe(0)
  })
})

describe('a drainer killed just after Redis let go of its batch', () => {
  it('keeps that batch in its file when the next drain settles the journal, whatever other drainers did since', async () => {
    const n = names()
    const keys = queueKeys(n.input, n.output)
    const out = join(dir, `kept-${n.input}.txt`)
    // What such a kill leaves: the file holds 150 results; its journal names the batch written after the first 100;
    // collect.lua removed that batch (and recorded its id for the drainer's token); the journal was not cleared yet.
    const rows = Array.from({ length: 150 }, (_, i) => `k${i}\n`)
    writeFileSync(out, rows.join(''))
    const token = `t${randomBytes(4).toString('hex')}`
    const batch = `${token}:d:1`
    const journal = new JournalWriter(out)
    await journal.write({
      queue: n.output,
      batch,
      offset: Buffer.byteLength(rows.slice(0, 100).join('')),
      token,
    })
    journal.close()
    await t.r.hset(keys.drains, token, batch)
    // Another drainer (after the dead one's lock ran out) drains new results elsewhere.
    await t.r.lpush(n.output, 'o1', 'o2')
    const other = await collectResults({
      redis: t.r,
      keys,
      format: 'raw',
      out: join(dir, `other-${n.input}.txt`),
    })
    expect(other.written).toBe(2)
    const r = await collectResults({ redis: t.r, keys, format: 'raw', out })
    expect(r.written).toBe(0)
    expect(lines(out)).toEqual(Array.from({ length: 150 }, (_, i) => `k${i}`))
    expect(existsSync(journalPath(out))).toBe(false)
    expect(await t.r.hexists(keys.drains, token)).toBe(0)
  })
})

describe('results are bytes', () => {
  const items = NOT_UTF8

  it('raw writes the bytes it read; jsonl escapes non-UTF-8 bytes as \\udcXX; peek too', async () => {
    const n = names()
    await t.r.lpush(n.output, ...items)
    const peek = join(dir, `peek-${n.input}.bin`)
    expect((await runCli(['results', ...qa(n), '--peek', '4', '--out', peek])).code).toBe(0)
    const expected = Buffer.concat(items.flatMap((i) => [i, Buffer.from('\n')]))
    expect(readFileSync(peek)).toEqual(expected)
    const jsonl = join(dir, `j-${n.input}.jsonl`)
    expect(
      (await runCli(['results', ...qa(n), '--peek', '4', '--format', 'jsonl', '--out', jsonl])).code,
    ).toBe(0)
    expect(readFileSync(jsonl, 'utf8')).toBe('"\\udcff\\udcfe"\n"\\udc80"\n"a\\udce2\\udc82"\n"ok"\n')
    const raw = join(dir, `raw-${n.input}.bin`)
    const r = await runCli(['results', ...qa(n), '--out', raw, '--json'])
    expect(r.json).toMatchObject({ written: 4, drained: true })
    expect(readFileSync(raw)).toEqual(expected)
  })
})
