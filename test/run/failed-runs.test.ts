// A failed run never strands its task: it checks before registering, removes what it pushed when its input is bad
// or empty, leaves a stalled task resumable (saying how), gives up waiting behind another task at --timeout, and
// claims its name atomically. Against a real local cluster (embedded engine, process runtime).
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { beforeAll, describe, expect, it } from 'vitest'
import { resolveCluster } from '../../src/cluster/resolve.js'
import { paths } from '../../src/lib/paths.js'
import { scaffold } from '../../src/templates/scaffold.js'
import { fileCluster } from '../helpers/file-cluster.js'
import { sleep, startCli } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const gc = fileCluster(home, {
  timeoutMs: 60_000,
  after: () => {
    redis?.disconnect()
  },
})
const lines = (text: string) => text.split('\n').filter(Boolean)
const events = (stderr: string) =>
  lines(stderr)
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
let redis: Redis
let consumerDir: string

/** Every key of a run's queues that still exists. */
const leftovers = async (task: string) => redis.keys(`gridcore:${task}:*`)
const record = (task: string) =>
  JSON.parse(readFileSync(join(paths({ GRIDCORE_HOME: home }).stateDir, 'runs', `${task}.json`), 'utf8'))

beforeAll(async () => {
  redis = new Redis(resolveCluster('local', paths({ GRIDCORE_HOME: home })).redisUrl!)
  consumerDir = scaffold({ template: 'node', name: 'fr', dir: join(dir, 'consumer') }).dir
})

describe('checks before registering', () => {
  it('run -o /nonexistent/x fails in one line, registers nothing, and the next run starts at once', async () => {
    const before = (await gc(['task', 'list', '--json'])).json
    const bad = await gc(['run', '--command', 'cat', '--range', '1..10', '-o', '/nonexistent/dir/x.txt'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe(
      'gridcore: cannot write --output /nonexistent/dir/x.txt (ENOENT): the directory /nonexistent/dir does not exist: create it or pass another --output\n',
    )
    expect((await gc(['task', 'list', '--json'])).json).toEqual(before)
    const t0 = Date.now()
    const out = join(dir, 'next.txt')
    const next = await gc(['run', '--command', 'cat', '--range', '1..500', '-o', out, '--json'])
    expect(next.code, next.stderr).toBe(0)
    expect(events(next.stderr).some((e) => e.event === 'waiting')).toBe(false)
    expect(Date.now() - t0).toBeLessThan(20_000)
    expect(lines(readFileSync(out, 'utf8'))).toHaveLength(500)
  })

  it('an output that exists is appended-tested, not changed; an unreadable or empty input is refused', async () => {
    const out = join(dir, 'keep.txt')
    writeFileSync(out, 'old\n')
    const dirAsInput = await gc(['run', '--command', 'cat', '--input', dir, '-o', out])
    expect(dirAsInput.code).toBe(2)
    expect(dirAsInput.stderr).toMatch(/^gridcore: input .* is a directory/)
    writeFileSync(join(dir, 'empty.txt'), '')
    const empty = await gc(['run', '--command', 'cat', '--input', join(dir, 'empty.txt'), '-o', out])
    expect(empty.stderr).toMatch(/^gridcore: input file .*empty\.txt is empty: nothing to run\n$/)
    expect(readFileSync(out, 'utf8')).toBe('old\n')
    const asDir = await gc(['run', '--command', 'cat', '--range', '1..2', '-o', dir])
    expect(asDir.stderr).toMatch(/is a directory: pass a file path/)
    expect(existsSync(join('/nonexistent'))).toBe(false)
  })
})

describe('failing after registering', () => {
  it('a bad CSV row mid-input removes the task and every item it pushed (exit 2)', async () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(
      csv,
      `a,b\n${Array.from({ length: 3000 }, (_, i) => `${i},x`).join('\n')}\nonly-one-field\n9,9\n`,
    )
    const r = await gc(
      [
        'run',
        '--consumer',
        'node consumer.mjs',
        '--input',
        csv,
        '--format',
        'csv',
        '-o',
        join(dir, 'csv.txt'),
        '--json',
        '--name',
        'badcsv',
      ],
      { cwd: consumerDir },
    )
    expect(r.code).toBe(2)
    expect(r.json.error.message).toMatch(
      /line 3002: has 1 fields where the header has 2; 3000 items were pushed before it.*; task badcsv and the 3,000 items it pushed were removed$/,
    )
    const tasks = (await gc(['task', 'list', '--json'])).json
    expect(tasks.current).toBeNull()
    expect(tasks.pending).toEqual([])
    expect(await leftovers('badcsv')).toEqual([])
    expect(record('badcsv')).toMatchObject({ status: 'failed', exit_code: 2 })
  })

  it('run --input /dev/null while another task runs leaves no pending empty task', async () => {
    const blocker = await gc([
      'task',
      'register',
      '--name',
      'blocker1',
      '--command',
      'sleep 600',
      '--input-queue',
      'b1:in',
    ])
    expect(blocker.code, blocker.stderr).toBe(0)
    const r = await gc([
      'run',
      '--command',
      'cat',
      '--input',
      '/dev/null',
      '-o',
      join(dir, 'null.txt'),
      '--name',
      'devnull',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'gridcore: the input holds no items: nothing to run; task devnull and the 0 items it pushed were removed',
    )
    expect((await gc(['task', 'list', '--json'])).json).toMatchObject({ current: 'blocker1', pending: [] })
    expect(await leftovers('devnull')).toEqual([])
  })

  it('a stalled run (exit 8) keeps its task, says so, and the resume command it gives finishes the work', async () => {
    const gate = join(dir, 'go')
    const out = join(dir, 'stall.txt')
    const r = await gc(
      [
        'run',
        '--consumer',
        `while [ ! -f ${gate} ]; do sleep 0.2; done; exec node consumer.mjs`,
        '--range',
        '1..2000',
        '-o',
        out,
        '--stall-timeout',
        '2s',
        '--json',
      ],
      { cwd: consumerDir },
    )
    expect(r.code).toBe(8)
    const resume: string = r.json.error.resume
    expect(r.json.error.message).toMatch(
      new RegExp(
        `^no progress for 2s with 2000 of 2000 items left.*; task ${r.json.error.task} keeps its 2,000 items in Redis\\. Resume with: ${resume} \\(or stop it: gridcore task finish\\)$`,
      ),
    )
    expect(record(r.json.error.task)).toMatchObject({ status: 'interrupted', exit_code: 8 })
    writeFileSync(gate, '')
    const again = await gc([...resume.split(' ').slice(1), '--json'], { cwd: consumerDir })
    expect(again.code, again.stderr).toBe(0)
    expect(again.json).toMatchObject({ items: 2000, done: 2000, output: out })
    expect(new Set(lines(readFileSync(out, 'utf8'))).size).toBe(2000)
    expect(record(r.json.error.task)).toMatchObject({ status: 'done', exit_code: 0 })
  })
})

describe('waiting behind another task', () => {
  /** A run of 3 items through cat into dir/out that gives up waiting after `timeout` seconds. */
  const catRun = (out: string, timeout: string, ...more: string[]) =>
    gc(['run', '--command', 'cat', '--range', '1..3', '-o', join(dir, out), '--timeout', timeout, ...more])
  it('--timeout counts from the start: exit 9 at about 5 s, naming the task it waits for, and its own task goes', async () => {
    await gc(['task', 'register', '--name', 'blocker2', '--command', 'sleep 600', '--input-queue', 'b2:in'])
    const t0 = Date.now()
    const r = await gc([
      'run',
      '--command',
      'cat',
      '--range',
      '1..10',
      '-o',
      join(dir, 'w.txt'),
      '--timeout',
      '5',
      '--stall-timeout',
      '5',
      '--name',
      'behind',
      '--json',
    ])
    const took = Date.now() - t0
    expect(r.code).toBe(9)
    expect(took).toBeGreaterThan(4_500)
    expect(took).toBeLessThan(15_000)
    expect(events(r.stderr)).toContainEqual({ type: 'phase', event: 'waiting', behind: 'blocker2' })
    expect(r.json.error.message).toBe(
      'timed out after 5s waiting behind task blocker2 (the hub runs one task at a time; gridcore task list shows them); task behind and the 10 items it pushed were removed',
    )
    expect((await gc(['task', 'list', '--json'])).json).toMatchObject({ current: 'blocker2', pending: [] })
    expect(record('behind')).toMatchObject({ status: 'cancelled', exit_code: 9 })
    // Without --json it says so on stderr too.
    const plain = await catRun('w2.txt', '2')
    expect(plain.stderr).toContain('gridcore: waiting for task blocker2 to finish first')
  })

  it('behind a run killed before it pushed anything: it says that run will not end by itself, and how to carry it on or drop it', async () => {
    await gc(['task', 'finish']) // blocker2
    // A run reading stdin registers its task, then is killed -9 while it waits for its first item.
    const killed = startCli(
      ['run', '--command', 'cat', '-o', join(dir, 'k.txt'), '--name', 'stranded', '--json'],
      {
        GRIDCORE_HOME: home,
      },
    )
    const deadline = Date.now() + 30_000
    while (!events(killed.err()).some((e) => e.event === 'pushing') && Date.now() < deadline) await sleep(20)
    killed.child.kill('SIGKILL')
    await killed.exited
    const r = await catRun('after.txt', '3', '--json')
    expect(r.code).toBe(9)
    expect(events(r.stderr)).toContainEqual({ type: 'phase', event: 'waiting', behind: 'stranded' })
    expect(events(r.stderr)).toContainEqual({
      type: 'phase',
      event: 'note',
      message: `task stranded ahead of this one belongs to a run that is no longer running (its gridcore run, pid ${killed.child.pid}, is gone): it ends by itself only once the items it pushed are done. Carry it on with gridcore run --resume stranded, or drop it with gridcore task finish`,
    })
    // Behind a live run there is no such note.
    await gc(['task', 'finish']) // stranded
    await gc(['task', 'register', '--name', 'blocker3', '--command', 'sleep 600', '--input-queue', 'b3:in'])
    const live = await catRun('a2.txt', '2', '--json')
    expect(live.code).toBe(9)
    expect(events(live.stderr).filter((e) => e.event === 'note')).toEqual([])
    await gc(['task', 'finish']) // blocker3
  })
})

describe('one name, one run', () => {
  it('two runs of the same name at once: one runs, the other exits 2 naming the holder before pushing', async () => {
    const run = (n: number) =>
      startCli(
        [
          'run',
          '--command',
          // The filter starts 3 s late, so the two runs overlap however fast one of them would otherwise finish.
          'sleep 3; cat',
          '--range',
          '1..20000',
          '--name',
          'same',
          '-o',
          join(dir, `same${n}.txt`),
          '--json',
        ],
        { GRIDCORE_HOME: home },
      )
    const [a, b] = [run(1), run(2)]
    const [codeA, codeB] = [(await a.exited).code, (await b.exited).code]
    expect([codeA, codeB].sort()).toEqual([0, 2])
    const [winner, loser] = codeA === 0 ? [a, b] : [b, a]
    const won = JSON.parse(winner.out())
    expect(won).toMatchObject({ task: 'same', items: 20_000, done: 20_000 })
    expect(new Set(lines(readFileSync(won.output, 'utf8'))).size).toBe(20_000)
    expect(lines(readFileSync(won.output, 'utf8'))).toHaveLength(20_000)
    const lost = JSON.parse(loser.out()).error
    expect(lost.message).toMatch(
      /^task "same" is already pending or running, held by the gridcore run started \S+ on \S+ \(pid \d+, in \S+\): pick another --name/,
    )
    expect(lost.holder.pid).toBe(winner.child.pid)
    expect(events(loser.err()).map((e) => e.event)).not.toContain('pushing')
  })

  it('task register refuses an empty name, and a name that is pending or running', async () => {
    const empty = await gc(['task', 'register', '--name', '', '--command', 'x'])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toBe('gridcore: the task name is empty: pass --name NAME\n')
    expect(
      (await gc(['task', 'register', '--name', 'dup', '--command', 'sleep 600', '--input-queue', 'd:in']))
        .code,
    ).toBe(0)
    expect(
      (await gc(['task', 'register', '--name', 'dup2', '--command', 'x', '--input-queue', 'd2:in'])).code,
    ).toBe(0)
    for (const name of ['dup', 'dup2']) {
      const again = await gc(['task', 'register', '--name', name, '--command', 'x', '--json'])
      expect(again.code).toBe(6)
      expect(again.json.error.message).toMatch(new RegExp(`^task '${name}' is already pending or running`))
    }
    expect((await gc(['task', 'list', '--json'])).json).toMatchObject({ current: 'dup', pending: ['dup2'] })
    const cancelled = await gc(['task', 'cancel', 'dup2', '--json'])
    expect(cancelled.json).toEqual({ cancelled: 'dup2', blocked: [], queues_left: null })
    const running = await gc(['task', 'cancel', 'dup'])
    expect(running.code).toBe(6)
    expect(running.stderr).toMatch(/it is running: finish it instead/)
    expect((await gc(['task', 'list', '--json'])).json).toMatchObject({ current: 'dup', pending: [] })
  })
})
