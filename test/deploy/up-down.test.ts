// gridcore up / down / doctor end to end, on the embedded engine (process runtime, and Docker where it runs).
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { alive } from '../../src/lib/proc.js'
import { BIN, runCli } from '../helpers/cli.js'
import { requireDocker } from '../helpers/docker.js'
import { freePort } from '../helpers/ports.js'
import { sleep, start } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let homes = 0
async function cluster(extra: string[] = []) {
  const home = join(dir, `home-${homes++}`)
  const hubPort = await freePort()
  const redisPort = await freePort()
  const gc = (args: string[], timeoutMs = 40_000) =>
    runCli(args, { env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined }, timeoutMs })
  const up = () =>
    gc([
      'up',
      '--hub-port',
      String(hubPort),
      '--redis-port',
      String(redisPort),
      '--parallelism',
      '2',
      '--json',
      ...extra,
    ])
  return { home, hubPort, redisPort, gc, up, p: paths({ GRIDCORE_HOME: home }) }
}
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

describe('gridcore up / down', () => {
  it('starts Redis, hub and node, records them for agents, is idempotent, and down leaves nothing behind', async () => {
    const c = await cluster(['--runtime', 'process'])
    const t0 = Date.now()
    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    expect(Date.now() - t0).toBeLessThan(8_000)
    expect(up.json).toMatchObject({
      already_running: false,
      restarted: [],
      allowed_commands: ['*'],
      cluster: 'local',
      engine: 'embedded',
      runtime: 'process',
      hub_url: `http://127.0.0.1:${c.hubPort}`,
      redis_url: `redis://:***@127.0.0.1:${c.redisPort}`,
      parallelism: 2,
      state_file: c.p.localClusterJson,
    })
    expect(up.stderr).toMatch(/^ok {3}Start the hub: /m)
    const state = JSON.parse(readFileSync(c.p.localClusterJson, 'utf8'))
    expect(state).toMatchObject({
      mode: 'local',
      token_ref: 'credentials.toml#cluster.local',
      managed_by_skill: true,
      computehub: {
        url: `http://127.0.0.1:${c.hubPort}`,
        config_path: join(c.p.upstreamConfigDir, 'computehub.toml'),
      },
      gridnode: {
        node_id: up.json.node_id,
        config_path: join(c.p.upstreamConfigDir, 'gridnode.toml'),
        allowed_commands: ['*'],
      },
      redis: { managed: true, url: `redis://:***@127.0.0.1:${c.redisPort}` },
      status: 'running',
    })
    expect(Date.parse(state.created_at)).toBeGreaterThan(0)
    expect(statSync(c.p.localClusterJson).mode & 0o777).toBe(0o600)
    const raw = readFileSync(c.p.localClusterJson, 'utf8')
    const creds = readFileSync(c.p.credentialsToml, 'utf8')
    const token = /token = "([^"]+)"/.exec(creds)![1]!
    expect(raw).not.toContain(token)
    expect(readFileSync(c.p.skillToml, 'utf8')).toContain('[cluster.local]')
    const hubToml = readFileSync(state.computehub.config_path, 'utf8')
    expect(hubToml).toContain(`bind = "127.0.0.1:${c.hubPort}"`)
    expect(statSync(state.computehub.config_path).mode & 0o777).toBe(0o600)
    for (const pid of [state.computehub.pid, state.gridnode.pid, state.redis.pid])
      expect(alive(pid)).toBe(true)

    const status = await c.gc(['status', '--json'])
    expect(status.json.nodes).toEqual([
      expect.objectContaining({ id: up.json.node_id, runtime_status: 'Idle', cpu_count: 2 }),
    ])

    const again = await c.up()
    expect(again.code).toBe(0)
    expect(again.json).toMatchObject({ already_running: true, restarted: [], node_id: up.json.node_id })
    expect(again.stderr).toMatch(/^ok {3}Look for a running local cluster: it runs: nothing to do/m)
    expect(JSON.parse(readFileSync(c.p.localClusterJson, 'utf8')).computehub.pid).toBe(state.computehub.pid)

    const down = await c.gc(['down', '--json'])
    expect(down.code, down.stderr).toBe(0)
    expect(down.json).toMatchObject({
      was_running: true,
      node: 'stopped',
      hub: 'stopped',
      redis: 'stopped',
      kept_data: true,
      data_dir: state.redis.data_dir,
      purged_data: false,
      complete: true,
      ports_free: true,
    })
    for (const pid of [state.computehub.pid, state.gridnode.pid, state.redis.pid])
      expect(alive(pid)).toBe(false)
    expect(await portFree(c.hubPort)).toBe(true)
    expect(await portFree(c.redisPort)).toBe(true)
    expect(existsSync(c.p.localClusterJson)).toBe(false)
    expect(existsSync(state.computehub.config_path)).toBe(false)
    expect(existsSync(state.gridnode.config_path)).toBe(false)
    // Redis's data (AOF, its 0600 config, the hub's task list) stays, said where; up on the port uses it again.
    expect(existsSync(join(state.redis.data_dir, 'appendonlydir'))).toBe(true)
    expect(statSync(state.redis.config_path).mode & 0o777).toBe(0o600)
    expect(readFileSync(c.p.skillToml, 'utf8')).not.toContain('[cluster.local]')
    const text = await c.gc(['down'])
    expect(text.stdout).toMatch(/No local cluster is recorded; nothing to stop/)
    const back = await c.up()
    expect(back.code, back.stderr).toBe(0)
    expect(back.json).toMatchObject({ already_running: false, data_dir: state.redis.data_dir })
    expect(readFileSync(c.p.credentialsToml, 'utf8')).toContain(/redis_password = "[^"]+"/.exec(creds)![0])
    const purge = await c.gc(['down', '--purge-data'])
    expect(purge.code, purge.stderr).toBe(0)
    expect(purge.stdout).toMatch(/Redis data deleted/)
    expect(existsSync(state.redis.data_dir)).toBe(false)
    const twice = await c.gc(['down', '--json'])
    expect(twice.json).toMatchObject({ was_running: false })
    expect((await c.gc(['down', '--purge-data', '--keep-data'])).code).toBe(2)
  })

  it('--keep-data keeps Redis’s AOF; down never signals a pid that is no longer the process it started', async () => {
    const c = await cluster(['--runtime', 'process'])
    expect((await c.up()).code).toBe(0)
    const state = JSON.parse(readFileSync(c.p.localClusterJson, 'utf8'))
    // The hub "died" and its pid now belongs to something else: down must leave that process alone.
    process.kill(state.computehub.pid, 'SIGKILL')
    await sleep(200)
    const stranger = start('/bin/sh', ['-c', 'sleep 30'])
    state.computehub.pid = stranger.child.pid
    writeFileSync(c.p.localClusterJson, JSON.stringify(state))
    const down = await c.gc(['down', '--keep-data', '--json'])
    expect(down.json).toMatchObject({ hub: 'not-ours', redis: 'stopped', kept_data: true })
    expect(alive(stranger.child.pid!)).toBe(true)
    expect(existsSync(join(state.redis.data_dir, 'appendonlydir'))).toBe(true)
    stranger.child.kill('SIGKILL')
  })

  it('a busy port: one line naming the port, what holds it and the flag to change it; nothing left running', async () => {
    const c = await cluster(['--runtime', 'process'])
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(c.hubPort, '127.0.0.1', () => r()))
    try {
      const r = await c.up()
      expect(r.code).toBe(3)
      const last = r.stderr.trim().split('\n').at(-1)!
      expect(last).toMatch(
        new RegExp(
          `^gridcore: port ${c.hubPort} is in use by pid ${process.pid} \\(.*node.*\\): stop it, or pass --hub-port with a free port$`,
        ),
      )
      expect(existsSync(c.p.localClusterJson)).toBe(false)
      expect(await portFree(c.redisPort)).toBe(true)
    } finally {
      holder.close()
    }
  })

  it('with a Docker engine: the node runs items as containers', async () => {
    await requireDocker()
    const c = await cluster(['--runtime', 'docker'])
    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    expect(up.json).toMatchObject({ runtime: 'docker', engine: 'embedded' })
    const toml = readFileSync(join(c.p.upstreamConfigDir, 'gridnode.toml'), 'utf8')
    expect(toml).toContain('runtime = "docker"')
    expect(toml).toContain('network_mode = "host"')
    const status = await c.gc(['status', '--json'])
    expect(status.json.nodes).toEqual([expect.objectContaining({ runtime_status: 'Idle' })])
    const down = await c.gc(['down', '--json'])
    expect(down.json.ports_free).toBe(true)
  })

  it('--engine native starts the installed upstream binaries with their config in IDM_GRIDCORE_CONFIG', async () => {
    await requireDocker()
    const c = await cluster(['--engine', 'native', '--runtime', 'docker'])
    // Stand-ins for the fetched binaries: they serve the same protocol, and prove how up starts them.
    mkdirSync(c.p.binDir, { recursive: true })
    for (const [name, sub] of [
      ['computehub', 'hub'],
      ['gridnode', 'node'],
    ] as const) {
      const f = join(c.p.binDir, name)
      writeFileSync(
        f,
        `#!/bin/sh\nexec ${process.execPath} ${BIN} ${sub} start --config "$IDM_GRIDCORE_CONFIG"\n`,
      )
      chmodSync(f, 0o755)
    }
    writeFileSync(join(c.p.binDir, 'versions.json'), '{"version":"0.3.0"}')
    const up = await c.up()
    expect(up.code, up.stderr).toBe(0)
    expect(up.json).toMatchObject({ engine: 'native', runtime: 'docker' })
    const state = JSON.parse(readFileSync(c.p.localClusterJson, 'utf8'))
    expect(state.computehub.binary_path).toBe(join(c.p.binDir, 'computehub'))
    expect(state.gridnode.binary_path).toBe(join(c.p.binDir, 'gridnode'))
    const doctor = await c.gc(['doctor', '--json'])
    expect(doctor.json.checks.find((x: { name: string }) => x.name === 'upstream binaries').detail).toMatch(
      /computehub and gridnode 0\.3\.0/,
    )
    expect((await c.gc(['down', '--json'])).json).toMatchObject({ hub: 'stopped', ports_free: true })
    const processOnly = await c.gc([
      'up',
      '--engine',
      'native',
      '--runtime',
      'process',
      '--hub-port',
      String(c.hubPort),
      '--redis-port',
      String(c.redisPort),
    ])
    expect(processOnly.code).toBe(3)
    expect(processOnly.stderr).toMatch(
      /the upstream gridnode runs only Docker containers: pass --runtime docker, or use --engine embedded/,
    )
  })

  it('doctor reports each check with its fix and fails when up could not succeed', async () => {
    const c = await cluster()
    const ok = await c.gc([
      'doctor',
      '--json',
      '--hub-port',
      String(c.hubPort),
      '--redis-port',
      String(c.redisPort),
    ])
    expect(ok.code).toBe(0)
    expect(ok.json.ok).toBe(true)
    const names = ok.json.checks.map((x: { name: string }) => x.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'node',
        'platform',
        'docker',
        'redis-server',
        'redis-cli',
        'hub port',
        'Redis port',
        'config dir',
        'upstream binaries',
      ]),
    )
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(c.redisPort, '127.0.0.1', () => r()))
    try {
      // Without flags, the ports up would use come from GRIDCORE_HUB_PORT / GRIDCORE_REDIS_PORT.
      const viaEnv = await runCli(['doctor', '--json'], {
        env: {
          GRIDCORE_HOME: c.home,
          GRIDCORE_HUB_PORT: String(c.hubPort),
          GRIDCORE_REDIS_PORT: String(c.redisPort),
        },
      })
      expect(viaEnv.code).toBe(3)
      expect(viaEnv.json.checks.find((x: { name: string }) => x.name === 'Redis port').detail).toBe(
        `port ${c.redisPort} is in use by pid ${process.pid} (${readFileSync(`/proc/${process.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 80)})`,
      )
      const bad = await c.gc([
        'doctor',
        '--json',
        '--hub-port',
        String(c.hubPort),
        '--redis-port',
        String(c.redisPort),
      ])
      expect(bad.code).toBe(3)
      expect(bad.json.checks.find((x: { name: string }) => x.name === 'Redis port')).toMatchObject({
        status: 'error',
        fix: 'stop what holds it, or pass --redis-port to gridcore up',
      })
    } finally {
      holder.close()
    }
  })
})
