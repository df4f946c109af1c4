// Fault table, the `down during a run` row: down stops the cluster under a running `run`; the items stay in Redis
// (down keeps the data and the task list), the run exits with a documented, resumable code in one line, and after
// gridcore up the command its message gives carries it on: every item ends up in the output exactly once — none
// lost, none duplicated.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startCli } from '../helpers/procs.js'
import { testCluster, waitFor } from './helpers/cluster.js'

const N = 1500

describe('fault: gridcore down during a run', () => {
  it('loses nothing: the run exits resumably, up brings the task back, every item once', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const filter = join(c.home, 'slow.sh')
    writeFileSync(filter, 'while read l; do sleep 0.005; echo "r$l"; done\n')
    const out = join(c.home, 'out.txt')
    const run = startCli(
      ['run', '--command', `sh ${filter}`, '--range', `1..${N}`, '-o', out, '--redis-retry', '3s', '--json'],
      { ...c.env, NO_COLOR: '1' },
    )
    await waitFor(async () => {
      const s = await c.gc(['status', '--json'])
      return (s.json?.queues?.stats?.done ?? 0) >= 200
    }, 'the run to be under way')

    const down = await c.gc(['down', '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.json).toMatchObject({ complete: true, kept_data: true, purged_data: false })

    const exited = await run.exited
    const last = run.err().trim().split('\n').at(-1) ?? ''
    expect([4, 7, 8, 9, 130], `run exited ${exited.code}: ${run.err().slice(-600)}`).toContain(exited.code)
    expect(last).toMatch(/^gridcore: /)
    expect(run.err()).not.toMatch(/^\s+at /m)

    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    const tasks = await c.gc(['task', 'list', '--json'])
    expect(tasks.json.current).toMatch(/^run-/)
    // The run's message gives the command that carries it on: it frees the dead run's drain lock, watches the rest
    // and collects every result into the recorded output.
    const resume: string = JSON.parse(run.out()).error.resume
    expect(resume).toMatch(/^gridcore run --resume run-/)
    const resumed = await c.gc([...resume.split(' ').slice(1), '--json'], 120_000)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.json).toMatchObject({ items: N, done: N, failed: 0, dead: 0, output: out })
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(N)
    expect(new Set(lines).size).toBe(N)
    expect(new Set(lines)).toEqual(new Set(Array.from({ length: N }, (_, i) => `r${i + 1}`)))
  }, 180_000)
})
