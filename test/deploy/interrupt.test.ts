// Interrupting gridcore up at any moment leaves either a cluster down can stop or nothing: kill -9 between steps
// leaves a `starting` record down handles (and the next up finishes); SIGINT/SIGTERM roll back to nothing.
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../src/cluster/local.js'
import { alive } from '../../src/lib/proc.js'
import { startCli } from '../helpers/procs.js'
import { portFree, processesNaming, type TestCluster, testCluster, waitFor } from './helpers/cluster.js'

/** Starts `gridcore up` and sends `signal` to it as soon as the record on disk satisfies `when`. */
async function interruptUp(c: TestCluster, when: (s: LocalClusterState) => boolean, signal: NodeJS.Signals) {
  const args = ['up', '--hub-port', String(c.hubPort), '--redis-port', String(c.redisPort)]
  const up = startCli([...args, '--runtime', 'process', '--json'], {
    ...c.env,
    NO_COLOR: '1',
  })
  await waitFor(() => {
    try {
      return when(c.record())
    } catch {
      return false
    }
  }, 'the moment to interrupt up')
  up.child.kill(signal)
  const pids = c.pids()
  return { ...(await up.exited), out: up.out, err: up.err, pids }
}

async function nothingRuns(c: TestCluster, pids: number[]) {
  await waitFor(() => pids.every((pid) => !alive(pid)), 'every recorded process to be gone', 20_000)
  expect(await portFree(c.hubPort)).toBe(true)
  expect(await portFree(c.redisPort)).toBe(true)
  expect(processesNaming(c.home)).toEqual([])
}

const moments: [string, (s: LocalClusterState) => boolean][] = [
  ['the record is written, nothing started', (s) => s.status === 'starting'],
  ['Redis has a pid', (s) => Boolean(s.redis?.pid)],
  ['the hub has a pid', (s) => Boolean(s.computehub.pid)],
  ['the node has a pid', (s) => Boolean(s.gridnode?.pid)],
]

describe('an interrupted gridcore up', () => {
  it.each(moments)(
    'kill -9 when %s: down stops what it started',
    async (_name, when) => {
      const c = await testCluster()
      const r = await interruptUp(c, when, 'SIGKILL')
      expect(r.signal).toBe('SIGKILL')
      const record = c.record()
      expect(record.status).toBe('starting')
      const pids = c.pids()
      const down = await c.gc(['down', '--json'])
      expect(down.code, down.stderr).toBe(0)
      expect(down.json).toMatchObject({ was_running: true, complete: true, ports_free: true })
      await nothingRuns(c, pids)
      expect(existsSync(c.p.localClusterJson)).toBe(false)
      expect(existsSync(record.computehub.config_path!)).toBe(false)
    },
    60_000,
  )

  it('killed between a start and its pid reaching the record: down finds the process by its files', async () => {
    const c = await testCluster()
    const r = await interruptUp(c, (s) => Boolean(s.gridnode?.pid), 'SIGKILL')
    const s = c.record()
    for (const part of [s.computehub, s.gridnode!, s.redis!]) {
      part.pid = undefined
      part.started = undefined
      part.state = 'starting'
    }
    c.writeRecord(s)
    const down = await c.gc(['down', '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.json).toMatchObject({ node: 'stopped', hub: 'stopped', redis: 'stopped', complete: true })
    await nothingRuns(c, r.pids)
  }, 60_000)

  it('kill -9 half-way, then up again: it stops what the first one started and brings a cluster up', async () => {
    const c = await testCluster()
    await interruptUp(c, (s) => Boolean(s.computehub.pid), 'SIGKILL')
    const first = c.pids()
    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    expect(up.stderr).toMatch(
      /^ok {3}Look for a running local cluster: an interrupted gridcore up left one half-started/m,
    )
    expect(up.json).toMatchObject({ already_running: false, restarted: [] })
    for (const pid of first) expect(alive(pid)).toBe(false)
    expect(c.record().status).toBe('running')
    const down = await c.gc(['down', '--purge-data', '--json'])
    expect(down.json.complete).toBe(true)
  }, 60_000)

  it('a second up while the first is still starting leaves it alone (exit 3)', async () => {
    const c = await testCluster()
    const args = [
      'up',
      '--hub-port',
      String(c.hubPort),
      '--redis-port',
      String(c.redisPort),
      '--runtime',
      'process',
    ]
    const first = startCli([...args, '--json'], { ...c.env, NO_COLOR: '1' })
    await waitFor(() => {
      try {
        return Boolean(c.record().redis?.pid)
      } catch {
        return false
      }
    }, 'the first up to be half-way')
    first.child.kill('SIGSTOP')
    try {
      const second = await c.gc([...args, '--json'])
      expect(second.code).toBe(3)
      expect(second.json.error.message).toBe(
        `another gridcore up (pid ${first.child.pid}) is starting the local cluster: wait for it, then gridcore status`,
      )
    } finally {
      first.child.kill('SIGCONT')
    }
    expect((await first.exited).code, first.err()).toBe(0)
    expect(c.record()).toMatchObject({ status: 'running' })
    expect(c.record().started_by).toBeUndefined()
  }, 60_000)

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s rolls back: exit 130, nothing running, no record',
    async (signal) => {
      const c = await testCluster()
      const r = await interruptUp(c, (s) => Boolean(s.computehub.pid), signal)
      expect(r.code).toBe(130)
      expect(r.err().trim().split('\n').at(-1)).toBe(
        'gridcore: gridcore up was interrupted: what it had started is stopped again',
      )
      expect(JSON.parse(r.out()).error).toMatchObject({ code: 'INTERRUPTED', exit_code: 130 })
      expect(existsSync(c.p.localClusterJson)).toBe(false)
      await nothingRuns(c, r.pids)
      expect(existsSync(`${c.p.upstreamConfigDir}/computehub.toml`)).toBe(false)
      expect(existsSync(`${c.p.dataDir}/redis-${c.redisPort}`)).toBe(false)
    },
    60_000,
  )
})
