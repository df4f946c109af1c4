// down never deletes what it did not stop: with Redis restarted by hand, or a record whose pids are not the
// cluster's, it keeps the files, names the process that holds the port, and exits 3; run again once that process
// is stopped, it finishes. Data goes only with --purge-data.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { alive } from '../../src/lib/proc.js'
import { start } from '../helpers/procs.js'
import { portFree, testCluster, waitFor } from './helpers/cluster.js'

describe('gridcore down keeps what it did not stop', () => {
  it('Redis restarted by hand: keeps its data and config, names it, exits 3; finishes once it is stopped', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const s = c.record()
    const dataDir = s.redis!.data_dir!
    const config = s.redis!.config_path!
    process.kill(s.redis!.pid!, 'SIGKILL')
    await waitFor(() => portFree(c.redisPort), 'the port to free')
    // By hand, from the cluster's own config: it serves the same AOF, password and port.
    const byHand = spawn('redis-server', [config], { stdio: 'ignore', detached: true })
    await waitFor(async () => !(await portFree(c.redisPort)), 'the hand-started Redis')

    const down = await c.gc(['down', '--json'])
    expect(down.code).toBe(3)
    expect(down.json).toMatchObject({
      was_running: true,
      node: 'stopped',
      hub: 'stopped',
      redis: 'gone',
      kept_data: true,
      data_dir: dataDir,
      purged_data: false,
      held: [
        { part: 'redis', pid: byHand.pid, port: c.redisPort, command: expect.stringMatching(/redis-server/) },
      ],
      kept_files: [config, dataDir],
      complete: false,
      ports_free: false,
    })
    expect(down.stderr.trim().split('\n').at(-1)).toBe(
      `gridcore: Redis is not stopped: pid ${byHand.pid} (${down.json.held[0].command}) holds port ${c.redisPort}, a process gridcore did not start; kept its files (${config}, ${dataDir}): stop that process, then run gridcore down again`,
    )
    expect(alive(byHand.pid!)).toBe(true)
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true)
    expect(existsSync(config)).toBe(true)
    expect(c.record().status).toBe('stopping')
    // up refuses until down could finish; --purge-data deletes nothing while the port is held.
    const up = await c.gc(['up', '--json'])
    expect(up.code).toBe(3)
    expect(up.json.error.message).toMatch(/the last gridcore down could not stop everything/)
    const purge = await c.gc(['down', '--purge-data', '--json'])
    expect(purge.code).toBe(3)
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true)

    byHand.kill('SIGTERM')
    await waitFor(() => portFree(c.redisPort), 'the hand-started Redis to stop')
    const again = await c.gc(['down', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.json).toMatchObject({
      complete: true,
      held: [],
      kept_data: true,
      data_dir: dataDir,
      ports_free: true,
    })
    expect(existsSync(c.p.localClusterJson)).toBe(false)
    expect(existsSync(join(dataDir, 'appendonlydir'))).toBe(true)
    const text = await c.gc(['down'])
    expect(text.stdout).toMatch(/No local cluster is recorded/)
  }, 120_000)

  it('a record whose pids are not the cluster’s while its processes run: nothing signalled, nothing deleted', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const real = c.record()
    const strangers = [1, 2, 3].map(() => start('/bin/sh', ['-c', 'sleep 60']))
    const fake = structuredClone(real)
    fake.computehub.pid = strangers[0]!.child.pid
    fake.gridnode!.pid = strangers[1]!.child.pid
    fake.redis!.pid = strangers[2]!.child.pid
    c.writeRecord(fake)

    const down = await c.gc(['down', '--purge-data', '--json'])
    expect(down.code).toBe(3)
    expect(down.json).toMatchObject({ node: 'not-ours', hub: 'not-ours', redis: 'not-ours', complete: false })
    expect(down.json.held.map((h: { part: string; pid: number }) => [h.part, h.pid])).toEqual([
      ['node', real.gridnode!.pid],
      ['hub', real.computehub.pid],
      ['redis', real.redis!.pid],
    ])
    for (const s of strangers) expect(alive(s.child.pid!)).toBe(true)
    for (const pid of [real.computehub.pid!, real.gridnode!.pid!, real.redis!.pid!])
      expect(alive(pid)).toBe(true)
    for (const f of [real.computehub.config_path!, real.gridnode!.config_path!, real.redis!.config_path!])
      expect(existsSync(f), f).toBe(true)
    expect(existsSync(join(real.redis!.data_dir!, 'appendonlydir'))).toBe(true)
    expect(readFileSync(c.p.credentialsToml, 'utf8')).toContain('[cluster.local]')

    // The real record back: down stops the cluster and purges its data.
    c.writeRecord(real)
    const ok = await c.gc(['down', '--purge-data', '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json).toMatchObject({
      node: 'stopped',
      hub: 'stopped',
      redis: 'stopped',
      purged_data: true,
      complete: true,
    })
    expect(existsSync(real.redis!.data_dir!)).toBe(false)
    for (const s of strangers) s.child.kill('SIGKILL')
  }, 120_000)

  it('a record edited to name paths outside gridcore’s dirs: down --purge-data deletes none of them', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const s = c.record()
    const precious = join(c.home, 'precious')
    mkdirSync(precious)
    writeFileSync(join(precious, 'thesis.txt'), 'years of work')
    c.writeRecord({ ...s, redis: { ...s.redis, data_dir: precious, data_created: true } })
    const down = await c.gc(['down', '--purge-data', '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.json).toMatchObject({ purged_data: false, data_dir: precious, complete: true })
    expect(down.json.kept_files).toContain(precious)
    expect(readFileSync(join(precious, 'thesis.txt'), 'utf8')).toBe('years of work')
  }, 60_000)
})
