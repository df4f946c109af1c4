// run --local: brings a cluster up through up's steps (ports from --hub-port/--redis-port or the env vars), says
// so (started_cluster), and stops it again after a run that finished unless --keep-cluster; a cluster that already
// ran is used and left running; after a run that failed, the cluster it started is left running for the resume.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { alive } from '../../src/lib/proc.js'
import { portFree, processesNaming, testCluster, waitFor } from './helpers/cluster.js'

const items = (c: { home: string }, extra: string[] = []) => [
  'run',
  '--local',
  '--command',
  'cat',
  '--range',
  '1..500',
  '-o',
  join(c.home, `out-${Math.random()}.txt`),
  '--json',
  ...extra,
]

describe('gridcore run --local', () => {
  it('starts a cluster on the flags’ ports, reports started_cluster, and stops it (and its data) after', async () => {
    const c = await testCluster()
    const r = await c.gc(items(c, ['--hub-port', String(c.hubPort), '--redis-port', String(c.redisPort)]))
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ items: 500, done: 500, started_cluster: true, cluster_stopped: true })
    expect(r.stderr).toMatch(new RegExp(`^ok {3}Start the hub: http://127.0.0.1:${c.hubPort} `, 'm'))
    expect(r.stderr).toMatch(/^gridcore: the local cluster started for this run is stopped again/m)
    expect(existsSync(c.p.localClusterJson)).toBe(false)
    expect(existsSync(join(c.p.dataDir, `redis-${c.redisPort}`))).toBe(false)
    expect(await portFree(c.hubPort)).toBe(true)
    expect(await portFree(c.redisPort)).toBe(true)
    expect(processesNaming(c.home)).toEqual([])
  }, 60_000)

  it('takes the ports from GRIDCORE_HUB_PORT / GRIDCORE_REDIS_PORT; --keep-cluster leaves it running', async () => {
    const c = await testCluster()
    const env = { GRIDCORE_HUB_PORT: String(c.hubPort), GRIDCORE_REDIS_PORT: String(c.redisPort) }
    const r = await c.gc(items(c, ['--keep-cluster']), 60_000, env)
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ done: 500, started_cluster: true, cluster_stopped: false })
    expect(r.stderr).toMatch(/the local cluster started for this run keeps running .*gridcore down stops it/)
    const s = c.record()
    expect(s.computehub.url).toBe(`http://127.0.0.1:${c.hubPort}`)
    expect(s.redis!.port).toBe(c.redisPort)
    expect(alive(s.computehub.pid!)).toBe(true)
    // A cluster that already runs: used and left running.
    const again = await c.gc(items(c))
    expect(again.code, again.stderr).toBe(0)
    expect(again.json).toMatchObject({ done: 500, started_cluster: false, cluster_stopped: false })
    expect(alive(s.computehub.pid!)).toBe(true)
    expect((await c.gc(['down', '--purge-data', '--json'])).json.complete).toBe(true)
  }, 60_000)

  it('after a run that failed, the cluster it started stays up so the run can be resumed', async () => {
    const c = await testCluster()
    const env = { GRIDCORE_HUB_PORT: String(c.hubPort), GRIDCORE_REDIS_PORT: String(c.redisPort) }
    const r = await c.gc(
      [
        'run',
        '--local',
        '--command',
        'sh -c "sleep 30"',
        '--range',
        '1..4',
        '-o',
        join(c.home, 'o.txt'),
        '--timeout',
        '2s',
        '--json',
      ],
      60_000,
      env,
    )
    expect(r.code).toBe(9)
    expect(r.stderr).toMatch(
      /the local cluster started for this run is left running so the run can be resumed; gridcore down stops it/,
    )
    await waitFor(async () => !(await portFree(c.hubPort)), 'the hub still to run')
    expect(c.record().status).toBe('running')
  }, 60_000)
})
