// A dead part comes back with one command: after kill -9 of the node and of redis-server (or of the hub), status
// marks them gone and one gridcore up restarts them — token, password, data and tasks kept — and a run completes.
// down also stops what a crashed node left.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { alive } from '../../src/lib/proc.js'
import { processesNaming, testCluster, waitFor } from './helpers/cluster.js'

const credentials = (file: string) => readFileSync(file, 'utf8')

describe('gridcore up restarts what died', () => {
  it('after kill -9 of the node and redis-server: status says gone, one up brings them back, a run completes', async () => {
    const c = await testCluster()
    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    const before = c.record()
    const creds = credentials(c.p.credentialsToml)
    const profile = await c.gc(['status', '--json'])
    const redisUrl = `redis://:${/redis_password = "([^"]+)"/.exec(creds)![1]}@127.0.0.1:${c.redisPort}`
    const r = new Redis(redisUrl)
    await r.set('kept', 'yes')
    await r.quit()
    expect(profile.json.local).toMatchObject({ status: 'running', fix: null, allowed_commands: ['*'] })

    process.kill(before.gridnode!.pid!, 'SIGKILL')
    process.kill(before.redis!.pid!, 'SIGKILL')
    await waitFor(() => !alive(before.gridnode!.pid!) && !alive(before.redis!.pid!), 'the kills')

    // status: the hub still lists the node Online (its last heartbeat is recent), the local block says it is gone.
    const status = await c.gc(['status', '--json'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.json.local.processes).toEqual([
      expect.objectContaining({ name: 'redis', pid: before.redis!.pid, state: 'gone' }),
      expect.objectContaining({ name: 'hub', pid: before.computehub.pid, state: 'alive' }),
      expect.objectContaining({ name: 'node', pid: before.gridnode!.pid, state: 'gone' }),
    ])
    expect(status.json.local.fix).toBe('gridcore up')
    const text = await c.gc(['status'])
    expect(text.stdout).toContain(
      `Local processes: redis GONE (pid ${before.redis!.pid}), hub alive (pid ${before.computehub.pid}), node GONE (pid ${before.gridnode!.pid}) — fix: gridcore up`,
    )
    expect(text.stdout).toContain('Note: local node runs any command (allowed_commands = ["*"])')

    const again = await c.gc(['up', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.json).toMatchObject({
      already_running: true,
      restarted: ['redis', 'node'],
      node_id: up.json.node_id,
    })
    expect(again.stderr).toMatch(/^ok {3}Restart Redis: /m)
    const after = c.record()
    expect(after.computehub.pid).toBe(before.computehub.pid)
    expect(after.redis!.pid).not.toBe(before.redis!.pid)
    expect(after.gridnode!.pid).not.toBe(before.gridnode!.pid)
    expect(after.status).toBe('running')
    expect(credentials(c.p.credentialsToml)).toBe(creds)
    const r2 = new Redis(redisUrl)
    expect(await r2.get('kept')).toBe('yes')
    await r2.quit()

    const run = await c.gc([
      'run',
      '--command',
      'cat',
      '--range',
      '1..2000',
      '-o',
      `${c.home}/out.txt`,
      '--json',
    ])
    expect(run.code, run.stderr).toBe(0)
    expect(run.json).toMatchObject({ items: 2000, done: 2000 })
    expect((await c.gc(['status', '--json'])).json.local.fix).toBeNull()

    const nothing = await c.gc(['up', '--json'])
    expect(nothing.json).toMatchObject({ already_running: true, restarted: [] })
    expect(nothing.stdout + nothing.stderr).not.toMatch(/Restart/)
  }, 120_000)

  it('after kill -9 of the hub: status names it, up restarts it with its task list, the node re-registers', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const pending = await c.gc(['task', 'register', '--name', 'waiting', '--command', 'sleep 1000', '--json'])
    expect(pending.code, pending.stderr).toBe(0)
    const hub = c.record().computehub.pid!
    process.kill(hub, 'SIGKILL')
    await waitFor(() => !alive(hub), 'the hub to die')
    const status = await c.gc(['status', '--json'])
    expect(status.code).toBe(4)
    expect(status.json.error.message).toMatch(
      new RegExp(`the local cluster's hub \\(pid ${hub}\\) is gone: gridcore up restarts it$`),
    )
    const up = await c.gc(['up', '--json'])
    expect(up.code, up.stderr).toBe(0)
    expect(up.json.restarted).toEqual(['hub'])
    const tasks = await c.gc(['task', 'list', '--json'])
    expect(tasks.json.current).toBe('waiting')
    await waitFor(async () => {
      const s = await c.gc(['status', '--json'])
      return s.json?.nodes?.some((n: { runtime_status: string }) => n.runtime_status === 'Running')
    }, 'the node to run the task on the restarted hub')
  }, 120_000)

  it('a hub that runs but does not answer (SIGSTOP) is stopped and started again', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const hub = c.record().computehub.pid!
    process.kill(hub, 'SIGSTOP')
    try {
      const up = await c.gc(['up', '--json'])
      expect(up.code, up.stderr).toBe(0)
      expect(up.json.restarted).toEqual(['hub'])
      expect(up.stderr).toMatch(/^ok {3}Stop the hub, which does not answer/m)
      expect(alive(hub)).toBe(false)
      expect(c.record().computehub.pid).not.toBe(hub)
    } finally {
      if (alive(hub)) process.kill(hub, 'SIGKILL')
    }
  }, 60_000)

  it('a process that merely has a file open or sits in the data dir is not in a part’s place', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const s = c.record()
    // An "editor" naming gridnode.toml, a shell working in Redis's data dir.
    const editor = spawn('sh', ['-c', 'sleep 60', 'vi', s.gridnode!.config_path!], { stdio: 'ignore' })
    const shell = spawn('sh', ['-c', 'sleep 60'], { cwd: s.redis!.data_dir!, stdio: 'ignore' })
    try {
      process.kill(s.gridnode!.pid!, 'SIGKILL')
      process.kill(s.redis!.pid!, 'SIGKILL')
      await waitFor(() => !alive(s.gridnode!.pid!) && !alive(s.redis!.pid!), 'the kills')
      const up = await c.gc(['up', '--json'])
      expect(up.code, up.stderr).toBe(0)
      expect(up.json.restarted).toEqual(['redis', 'node'])
      const down = await c.gc(['down', '--json'])
      expect(down.json).toMatchObject({ complete: true, held: [] })
      expect(alive(editor.pid!) && alive(shell.pid!)).toBe(true)
    } finally {
      editor.kill('SIGKILL')
      shell.kill('SIGKILL')
    }
  }, 60_000)

  it('down stops the instances a crashed node left', async () => {
    const c = await testCluster()
    expect((await c.up()).code).toBe(0)
    const marker = `leftover-${process.pid}-${Date.now()}`
    const reg = await c.gc([
      'task',
      'register',
      '--name',
      'busy',
      '--command',
      `sh -c "exec sleep 1000 # ${marker}"`,
      '--shell',
    ])
    expect(reg.code, reg.stderr).toBe(0)
    await waitFor(() => processesNaming(marker).length >= 2, 'two instances running')
    // The node records an instance once its spawn is confirmed; kill it only once the record names exactly the
    // running instances (on a loaded machine a count alone can be met by a record a moment out of date).
    const recorded = (): number[] => {
      const dir = join(c.record().gridnode!.state_dir!, 'instances')
      try {
        return readdirSync(dir)
          .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')).instances as { pid: number }[])
          .map((e) => e.pid)
          .sort((a, b) => a - b)
      } catch {
        return [] // not written yet, or caught mid-rename
      }
    }
    const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i])
    await waitFor(() => {
      const on = recorded()
      return (
        on.length === 2 &&
        same(
          on,
          processesNaming(marker).sort((a, b) => a - b),
        )
      )
    }, 'both running instances on record')
    const instances = processesNaming(marker)
    process.kill(c.record().gridnode!.pid!, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    expect(instances.every((pid) => alive(pid))).toBe(true)
    const down = await c.gc(['down', '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.json).toMatchObject({ node: 'gone', instances_stopped: 2, complete: true })
    await waitFor(() => instances.every((pid) => !alive(pid)), 'the leftover instances to stop', 15_000)
  }, 120_000)
})
