// Failures an agent can act on and runs that are records: grouped errors with samples and the exact commands,
// one-command fix-and-rerun (--retry), `gridcore runs`, the lost terminal (kill -9, then --resume), and data-plane
// commands that never guess a run's output queue. Against a real local cluster (process runtime).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { fileCluster } from '../helpers/file-cluster.js'
import { sleep, startCli } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const gc = fileCluster(home, { timeoutMs: 120_000 })
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)
const argv = (command: string) => command.split(' ').slice(1)
/** A client of the local cluster's Redis under `home` (its port and password from the redis.conf up wrote). */
function clusterRedis(home: string): Redis {
  const data = join(home, '.local/share/idm-gridcore')
  const conf = readFileSync(
    join(data, readdirSync(data).find((d) => d.startsWith('redis-'))!, 'redis.conf'),
    'utf8',
  )
  const port = /^port (\d+)/m.exec(conf)![1]
  const password = /^requirepass "?([^"\n]+)"?/m.exec(conf)![1]
  return new Redis({ port: Number(port), host: '127.0.0.1', password })
}

describe('failures you can act on, and one command to rerun them', () => {
  it('a Python function raising on 1 item in 1,000: grouped error, 3 samples, the commands; after the fix, --retry completes the output exactly once', async () => {
    const t = scaffold({ template: 'python', name: 'sq', dir: join(dir, 'py') })
    const task = join(t.dir, 'task.py')
    writeFileSync(
      task,
      'def handle(item):\n    n = int(item)\n    if n % 1000 == 0:\n        raise ValueError(f"cannot take {n}")\n    return f"{n}:{n * n}"\n',
    )
    const out = join(dir, 'sq.txt')
    const r = await gc(
      ['run', '--consumer', '/usr/bin/python3 -u consumer.py', '--range', '1..10000', '-o', out, '--json'],
      {
        cwd: t.dir,
      },
    )
    expect(r.code, r.stderr).toBe(10)
    const s = r.json
    expect(s).toMatchObject({ items: 10_000, done: 9_990, failed: 10, dead: 0 })
    expect(s.failures).toHaveLength(1)
    expect(s.failures[0]).toMatchObject({ count: 10, list: 'failed' })
    expect(s.failures[0].error).toMatch(/ValueError: cannot take \d+000/)
    expect(s.failures[0].samples).toHaveLength(3)
    for (const x of s.failures[0].samples) expect(Number(x) % 1000).toBe(0)
    expect(s.next).toEqual({
      failed: `gridcore queue dead --failed --queue ${s.input_queue}`,
      retry: `gridcore run --retry ${s.task}`,
    })
    // The command to see them shows them (not 0 items, as the old hint did).
    const seen = await gc([...argv(s.next.failed), '--json'])
    expect(seen.json.total).toBe(10)
    expect(lines(out)).toHaveLength(9_990)
    // Fix the function, then the one command from the summary.
    writeFileSync(task, 'def handle(item):\n    n = int(item)\n    return f"{n}:{n * n}"\n')
    const again = await gc([...argv(s.next.retry), '--json'], { cwd: t.dir })
    expect(again.code, again.stderr).toBe(0)
    expect(again.json).toMatchObject({ task: s.task, items: 10, done: 10, failed: 0, dead: 0, output: out })
    const ids = lines(out).map((l) => Number(l.split(':')[0]))
    expect(ids).toHaveLength(10_000)
    expect(new Set(ids).size).toBe(10_000)
    const runs = await gc(['runs', '--json'])
    expect(runs.json.runs.find((x: { task: string }) => x.task === s.task)).toMatchObject({
      status: 'done',
      retries: 1,
      counts: { items: 10_000, done: 10_000, failed: 0, dead: 0 },
      next: null,
    })
  })

  it('the text summary groups the errors and prints the commands; bytes in samples are shown safely', async () => {
    writeFileSync(
      join(dir, 'strict.py'),
      'import sys\nfor line in sys.stdin.buffer:\n    print(line.rstrip(b"\\n").decode("utf-8"), flush=True)\n',
    )
    const items = Buffer.concat([
      Buffer.from(Array.from({ length: 200 }, (_, i) => `ok${i}\n`).join('')),
      Buffer.from([0xff, 0xfe, 0x0a]),
    ])
    const out = join(dir, 'strict.txt')
    const r = await runCli(['run', '--command', `/usr/bin/python3 -u ${join(dir, 'strict.py')}`, '-o', out], {
      env: { GRIDCORE_HOME: home },
      input: items as unknown as string,
      timeoutMs: 60_000,
    })
    expect(r.code, r.stderr).toBe(10)
    expect(r.stdout).toMatch(
      /^Ran 201 items in [\d.]+s \([\d.]+k?\/s\); 200 results in \S+strict\.txt; 1 failed, 0 dead:\n {2}1 failed: the filter exited with code 1: Traceback \(most recent call last\): … UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte \(e\.g\. \\xff\\xfe\)\nSee the failed items: gridcore queue dead --failed --queue gridcore:run-\S+:in\nFix the cause, then run them again: gridcore run --retry run-\S+\n$/,
    )
    const listed = await gc(['runs'])
    expect(listed.stdout).toMatch(/run-\S+\s+partial\s+201\s+200\s+1\s+0\s/)
    expect(listed.stdout).toMatch(/run-\S+: gridcore run --retry run-\S+/)
  })
})

describe('runs are records', () => {
  it('kill -9 of run, then the lost-terminal line (gridcore runs, gridcore run --resume) recovers every result into the original output', async () => {
    writeFileSync(
      join(dir, 'slow.py'),
      'import sys, time\nfor line in sys.stdin:\n    time.sleep(0.0005)\n    print(line.strip() + ":ok", flush=True)\n',
    )
    const out = join(dir, 'lost.txt')
    const p = startCli(
      ['run', '--command', `/usr/bin/python3 -u ${join(dir, 'slow.py')}`, '--range', '1..30000', '-o', out],
      { GRIDCORE_HOME: home },
    )
    // Kill it once some results are in the file (so a drain was in progress at some point).
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const n = (() => {
        try {
          return readFileSync(out, 'utf8').length
        } catch {
          return 0
        }
      })()
      if (n > 20_000) break
      await sleep(50)
    }
    p.child.kill('SIGKILL')
    await p.exited
    const runs = await gc(['runs', '--json'])
    const lost = runs.json.runs[0]
    expect(lost).toMatchObject({ status: 'running', cli_alive: false, output: out })
    expect(lost.next).toBe(`gridcore run --resume ${lost.task}`)
    const text = await gc(['runs'])
    expect(text.stdout).toMatch(new RegExp(`${lost.task}\\s+running \\(CLI gone\\)`))
    // Killed in the middle of a drain, the run leaves its drain lock: results elsewhere name the run and the
    // command that finishes it, and write nothing, instead of calling it another gridcore results.
    const record = JSON.parse(
      readFileSync(join(home, '.config/agents/skills/idm-gridcore/state/runs', `${lost.task}.json`), 'utf8'),
    )
    const redis = clusterRedis(home)
    try {
      await redis.set(`${record.output_queue}:collector`, record.collector_token, 'PX', 60_000)
    } finally {
      redis.disconnect()
    }
    const other = join(dir, 'elsewhere.txt')
    const held = await gc([
      'results',
      '--queue',
      record.input_queue,
      '--output-queue',
      record.output_queue,
      '--out',
      other,
      '--json',
    ])
    expect(held.code).toBe(2)
    expect(held.stderr).toContain(`are held by run ${lost.task}, which stopped while writing them to ${out}`)
    expect(held.stderr).toContain(
      `gridcore run --resume ${lost.task} finishes the run and that file; or wait`,
    )
    expect(held.json.error.next).toBe(lost.next)
    expect(existsSync(other)).toBe(false)
    const resumed = await gc([...argv(lost.next), '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json).toMatchObject({ task: lost.task, items: 30_000, done: 30_000, output: out })
    const ids = lines(out).map((l) => l.split(':')[0])
    expect(ids).toHaveLength(30_000)
    expect(new Set(ids).size).toBe(30_000)
    expect((await gc(['runs', '--json'])).json.runs[0]).toMatchObject({ status: 'done', cli_alive: null })
  })

  it('results does not drain a live run’s output behind its back (it names the run); --peek still reads it', async () => {
    const out = join(dir, 'live.txt')
    const p = startCli(
      ['run', '--command', 'sleep 3; cat', '--range', '1..500', '--name', 'liverun', '-o', out, '--json'],
      { GRIDCORE_HOME: home },
    )
    let rec: { input_queue: string; output_queue: string } | undefined
    for (const deadline = Date.now() + 20_000; !rec && Date.now() < deadline; await sleep(50))
      rec = (await gc(['runs', '--json'])).json.runs.find(
        (r: { task: string; pushed_all: boolean }) => r.task === 'liverun' && r.pushed_all,
      )
    expect(rec).toBeDefined()
    const q = ['--queue', rec!.input_queue, '--output-queue', rec!.output_queue]
    const other = join(dir, 'live-elsewhere.txt')
    const refused = await gc(['results', ...q, '--out', other, '--json'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      `run liverun (pid ${p.child.pid}) is collecting the results of ${rec!.output_queue} into ${out} while it runs`,
    )
    expect(refused.json.error.run).toBe('liverun')
    expect(existsSync(other)).toBe(false)
    expect((await gc(['results', ...q, '--peek', '5', '--out', other, '--json'])).code).toBe(0)
    expect((await p.exited).code).toBe(0)
    expect(new Set(lines(out)).size).toBe(500)
  })

  it('results and queue never guess a run’s output queue, and a new run never mixes into an earlier one’s queues', async () => {
    writeFileSync(
      join(dir, 'odd.py'),
      'import sys\nfor line in sys.stdin:\n    if line.strip() == "7":\n        sys.exit(3)\n    print(line.strip(), flush=True)\n',
    )
    const r = await gc([
      'run',
      '--command',
      `/usr/bin/python3 -u ${join(dir, 'odd.py')}`,
      '--range',
      '1..20',
      '-o',
      join(dir, 'odd.txt'),
      '--name',
      'oddrun',
      '--json',
    ])
    expect(r.code).toBe(10)
    const q = r.json.input_queue
    const expected = `the output queue of ${q} is not known: ${q}:output does not exist, and run oddrun (its record in state/runs) wrote its results to gridcore:oddrun:out: pass --output-queue gridcore:oddrun:out`
    for (const args of [
      ['results', '--queue', q, '--out', join(dir, 'x.txt')],
      ['queue', 'stats', '--queue', q],
      ['watch', '--queue', q],
      ['queue', 'purge', '--queue', q, '--results', '--yes'],
    ]) {
      const g = await gc(args)
      expect(g.code, args.join(' ')).toBe(2)
      expect(g.stderr, args.join(' ')).toBe(`gridcore: ${expected}\n`)
    }
    const ok = await gc(['queue', 'stats', '--queue', q, '--output-queue', 'gridcore:oddrun:out', '--json'])
    expect(ok.json).toMatchObject({ failed: 1, stats: { pushed: 20, done: 19, failed: 1 } })
    // No task runs: the data-plane commands say to name both queues.
    const none = await gc(['results', '--out', join(dir, 'y.txt')])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/so its queues are not known: pass --queue NAME and --output-queue NAME/)
    // The name is taken by what the earlier run left (its failed item): a clear refusal, nothing registered.
    const again = await gc([
      'run',
      '--command',
      'cat',
      '--range',
      '1..3',
      '--name',
      'oddrun',
      '-o',
      join(dir, 'z.txt'),
    ])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(
      /^gridcore: queues of a run named "oddrun" already exist .*: choose another --name, resume it \(gridcore run --resume oddrun\), or clear them/,
    )
    expect((await gc(['task', 'list', '--json'])).json.current).toBeNull()
  })
})
