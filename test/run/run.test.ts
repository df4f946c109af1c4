// gridcore run and gridcore demo end to end on a local cluster (embedded engine, process runtime).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { fileCluster } from '../helpers/file-cluster.js'
import { sleep, startCli } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const gc = fileCluster(home, { timeoutMs: 120_000 })

beforeAll(async () => {
  writeFileSync(
    join(dir, 'square.py'),
    'import sys, math\nfor line in sys.stdin:\n    print("%s:%s" % (line.strip(), math.sqrt(float(line))), flush=True)\n',
  )
})

describe('gridcore run', () => {
  it('--command over 100,000 items: exactly one result per item, one JSON summary', async () => {
    const out = join(dir, 'r.txt')
    const r = await gc(
      [
        'run',
        '--command',
        '/usr/bin/python3 -u square.py',
        '--range',
        '1..100000',
        '--output',
        out,
        '--json',
      ],
      { cwd: dir },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ items: 100_000, done: 100_000, failed: 0, dead: 0, output: out })
    expect(r.json.rate).toBeGreaterThan(0)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(100_000)
    expect(new Set(lines.map((l) => l.split(':')[0])).size).toBe(100_000)
    expect(lines).toContain('49:7.0')
    const tasks = await gc(['task', 'list', '--json'])
    expect(tasks.json.current).toBeNull()
    expect(tasks.json.completed).toContain(r.json.task)
  })

  it.each([
    ['sed -u', "sed -u 's/^/x/'", (i: string) => `x${i}`],
    [
      'awk with fflush() (mawk reads stdin line by line with -W interactive)',
      "awk -W interactive '{ print $1 * 2; fflush() }'",
      (i: string) => String(Number(i) * 2),
    ],
    ['jq -c --unbuffered', "jq -c --unbuffered '. * 3'", (i: string) => String(Number(i) * 3)],
  ])('works with everyday filters: %s, fed from stdin', async (_n, command, expected) => {
    const out = join(dir, `f-${Date.now()}.txt`)
    const items = Array.from({ length: 2000 }, (_, i) => String(i + 1))
    const r = await gc(['run', '--command', command, '--output', out, '--json'], {
      input: `${items.join('\n')}\n`,
    })
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(out, 'utf8').trim().split('\n').sort()).toEqual(items.map(expected).sort())
  })

  it('a filter that exits on an item: that item fails with the filter’s stderr, the rest done, exit 10', async () => {
    writeFileSync(
      join(dir, 'poison.py'),
      'import sys\nfor line in sys.stdin:\n    if line.strip() == "77":\n        sys.exit(1)\n    print(line.strip(), flush=True)\n',
    )
    const out = join(dir, 'p.txt')
    const r = await gc(
      ['run', '--command', '/usr/bin/python3 -u poison.py', '--range', '1..300', '--output', out, '--json'],
      { cwd: dir },
    )
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({ items: 300, done: 299, failed: 1, dead: 0 })
    const failed = await gc(['queue', 'dead', '--failed', '--queue', r.json.input_queue, '--json'])
    expect(failed.json.items).toEqual([
      expect.objectContaining({
        item: '77',
        attempts: 1,
        error: 'the filter exited with code 1 (and wrote nothing on stderr)',
      }),
    ])
  })

  it('a filter that stops answering fails its batch after --item-timeout instead of hanging the run', async () => {
    writeFileSync(
      join(dir, 'hang.py'),
      'import sys, time\nfor line in sys.stdin:\n    if line.strip() == "5":\n        time.sleep(600)\n    print(line.strip(), flush=True)\n',
    )
    const r = await gc(
      [
        'run',
        '--command',
        '/usr/bin/python3 -u hang.py',
        '--range',
        '1..20',
        '--output',
        join(dir, 'h.txt'),
        '--item-timeout',
        '0.7',
        '--json',
      ],
      { cwd: dir },
    )
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({ items: 20, done: 19, dead: 1 })
  })

  it('--consumer runs a program that reads the queues itself (the Node template)', async () => {
    const t = scaffold({ template: 'node', name: 'runc', dir: join(dir, 'consumer') })
    const out = join(dir, 'c.txt')
    const r = await gc(
      ['run', '--consumer', 'node consumer.mjs', '--range', '1..20000', '--output', out, '--json'],
      { cwd: t.dir },
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ items: 20_000, done: 20_000 })
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(20_000)
  })

  it('Ctrl-C stops cleanly, exits 130, and the resume command it gives completes the run exactly once', async () => {
    writeFileSync(
      join(dir, 'slow.py'),
      'import sys, time\nfor line in sys.stdin:\n    time.sleep(0.004)\n    print(line.strip(), flush=True)\n',
    )
    const out = join(dir, 's.txt')
    const p = startCli(
      [
        'run',
        '--command',
        `/usr/bin/python3 -u ${join(dir, 'slow.py')}`,
        '--range',
        '1..5000',
        '--output',
        out,
      ],
      { GRIDCORE_HOME: home },
    )
    await sleep(3_000)
    p.child.kill('SIGINT')
    const { code } = await p.exited
    expect(code).toBe(130)
    const m =
      /gridcore: interrupted with [\d,]+ items left; task (run-\S+) keeps its 5,000 items in Redis\. Resume with: (gridcore run --resume run-\S+) \(or stop it: gridcore task finish\)$/m.exec(
        p.err(),
      )
    expect(m, p.err()).toBeTruthy()
    const resumed = await gc([...m![2]!.split(' ').slice(1), '--json'])
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json).toMatchObject({ task: m![1], items: 5000, done: 5000, output: out })
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(5000)
    expect(new Set(lines).size).toBe(5000)
  })

  it('bad input: one clear line', async () => {
    const none = await gc(['run', '--command', 'cat', '--json', '--range', '1..2'])
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/--json prints the summary on stdout, so results need --output FILE/)
    const two = await gc(['run', '--command', 'cat', '--image', 'x', '--range', '1..2'])
    expect(two.code).toBe(2)
    expect(two.stderr.trim().split('\n')).toHaveLength(1)
    const before = (await gc(['task', 'list', '--json'])).json
    const missing = await gc([
      'run',
      '--command',
      'cat',
      '--input',
      join(dir, 'no-such-file.txt'),
      '--output',
      join(dir, 'x.txt'),
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/input file .*no-such-file\.txt does not exist/)
    expect((await gc(['task', 'list', '--json'])).json).toEqual(before)
  })
})

describe('gridcore demo', () => {
  it('brings a cluster up, runs 100,000 square roots, summarises and tears down', async () => {
    const demoHome = join(dir, 'demo-home')
    const r = await runCli(['demo', '--json'], { env: { GRIDCORE_HOME: demoHome }, timeoutMs: 120_000 })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({
      started_cluster: true,
      summary: { items: 100_000, done: 100_000, failed: 0, dead: 0 },
    })
    // Two instances commit in parallel, so the file's first lines may come from either: check them, not their order.
    expect(r.json.sample).toHaveLength(3)
    for (const line of r.json.sample as string[]) {
      const [n, root] = line.split(':').map(Number)
      expect(root).toBeCloseTo(Math.sqrt(n!), 9)
    }
    const after = await runCli(['status'], { env: { GRIDCORE_HOME: demoHome } })
    expect(after.code).toBe(3)
  })
})
