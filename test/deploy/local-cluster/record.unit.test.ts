// The record up writes before anything starts and updates as each process gets a pid: what down reads.
import { describe, expect, it } from 'vitest'
import {
  clusterFiles,
  startingRecord,
  withPart,
  withPid,
  withRunning,
} from '../../../src/deploy/local-cluster/record.js'
import { paths } from '../../../src/lib/paths.js'
import { GRIDCORE_BIN } from '../../../src/lib/self.js'

const p = paths({ GRIDCORE_HOME: '/h' })
const files = clusterFiles(p, 6379, true)
const base = {
  files,
  hubPort: 8080,
  redisPort: 6379,
  redisUrl: 'redis://:***@127.0.0.1:6379',
  parallelism: 2,
  dataCreated: true,
  stateCreated: true,
  now: new Date('2026-01-02T03:04:05Z'),
  by: { pid: 4242, started: '77' },
}

describe('clusterFiles', () => {
  it('keeps the hub’s task list in Redis’s data dir (kept and purged together), by the configs otherwise', () => {
    expect(files).toEqual({
      hubConfig: '/h/.config/idm-gridcore/computehub.toml',
      nodeConfig: '/h/.config/idm-gridcore/gridnode.toml',
      hubState: '/h/.local/share/idm-gridcore/redis-6379/computehub-state.json',
      logs: '/h/.local/share/idm-gridcore/logs',
      nodeStateDir: '/h/.local/share/idm-gridcore/node',
      redisDir: '/h/.local/share/idm-gridcore/redis-6379',
      tlsDir: '/h/.local/share/idm-gridcore/redis-6379/tls',
      joinToken: '/h/.local/share/idm-gridcore/redis-6379/join-token',
    })
    expect(clusterFiles(p, 6379, false).hubState).toBe('/h/.config/idm-gridcore/computehub-state.json')
  })
})

describe('startingRecord of a listening cluster', () => {
  const choice = { engine: 'embedded', runtime: 'process', docker: false, redis: 'binary' } as const
  it('reaches the hub over https on loopback, records the listen settings and the join token file', () => {
    const s = startingRecord({
      ...base,
      choice,
      listen: { address: '10.0.0.5', advertise: 'lab.example', tls: true },
    })
    expect(s.computehub.url).toBe('https://127.0.0.1:8080')
    expect(s.listen).toEqual({ address: '10.0.0.5', advertise: 'lab.example', tls: true })
    expect(s.join_token_file).toBe('/h/.local/share/idm-gridcore/redis-6379/join-token')
  })

  it('stays on http with --insecure-plaintext, and has no listen block without --listen', () => {
    const plain = startingRecord({
      ...base,
      choice,
      listen: { address: '10.0.0.5', advertise: '10.0.0.5', tls: false },
    })
    expect(plain.computehub.url).toBe('http://127.0.0.1:8080')
    const loop = startingRecord({ ...base, choice })
    expect(loop.listen).toBeUndefined()
    expect(loop.join_token_file).toBeUndefined()
  })
})

describe('startingRecord', () => {
  it('records every part as starting with no pid, the local node allowed any command', () => {
    const s = startingRecord({
      ...base,
      choice: { engine: 'embedded', runtime: 'process', docker: false, redis: 'binary' },
    })
    expect(s).toEqual({
      mode: 'local',
      status: 'starting',
      started_by: { pid: 4242, started: '77' },
      token_ref: 'credentials.toml#cluster.local',
      engine: 'embedded',
      runtime: 'process',
      computehub: {
        state: 'starting',
        url: 'http://127.0.0.1:8080',
        port: 8080,
        config_path: files.hubConfig,
        binary_path: GRIDCORE_BIN,
        log_path: '/h/.local/share/idm-gridcore/logs/computehub.log',
        state_file: files.hubState,
        state_created: true,
      },
      gridnode: {
        state: 'starting',
        parallelism: 2,
        config_path: files.nodeConfig,
        binary_path: GRIDCORE_BIN,
        log_path: '/h/.local/share/idm-gridcore/logs/gridnode.log',
        state_dir: files.nodeStateDir,
        allowed_commands: ['*'],
      },
      redis: {
        state: 'starting',
        url: 'redis://:***@127.0.0.1:6379',
        managed: true,
        mode: 'binary',
        port: 6379,
        data_dir: files.redisDir,
        data_created: true,
        config_path: `${files.redisDir}/redis.conf`,
        log_path: `${files.redisDir}/redis.log`,
        container_name: undefined,
      },
      managed_by_skill: true,
      managed_by: 'gridcore',
      created_at: '2026-01-02T03:04:05.000Z',
    })
    expect(JSON.stringify(s)).not.toMatch(/token"|password/)
  })

  it('names the Redis container in Docker mode; an existing Redis is not managed; native keeps the binaries', () => {
    const docker = startingRecord({
      ...base,
      choice: { engine: 'embedded', runtime: 'auto', docker: true, redis: 'docker' },
    })
    expect(docker.redis).toMatchObject({
      mode: 'docker',
      container_name: 'gridcore-redis-6379',
      log_path: undefined,
    })
    const url = startingRecord({
      ...base,
      choice: { engine: 'embedded', runtime: 'auto', docker: true, redis: 'url' },
    })
    expect(url.redis).toEqual({ url: 'redis://:***@127.0.0.1:6379', managed: false, mode: 'url' })
    const bins = { computehub: '/b/ch', gridnode: '/b/gn', version: null }
    const native = startingRecord({
      ...base,
      choice: { engine: 'native', runtime: 'docker', docker: true, redis: 'binary', binaries: bins },
    })
    expect(native.computehub.binary_path).toBe('/b/ch')
    expect(native.gridnode).toMatchObject({ binary_path: '/b/gn', state_dir: undefined })
  })
})

describe('part updates', () => {
  const s0 = startingRecord({
    ...base,
    choice: { engine: 'embedded', runtime: 'process', docker: false, redis: 'binary' },
  })
  it('a pid with its start time as soon as there is one, then the running identity', () => {
    const s1 = withPid(s0, 'hub', 123, '999')
    expect(s1.computehub).toMatchObject({ state: 'starting', pid: 123, started: '999', cmdline: undefined })
    const s2 = withRunning(s1, 'hub', { pid: 123, started: '999', cmdline: 'node run.js hub start' })
    expect(s2.computehub).toMatchObject({ state: 'running', pid: 123, cmdline: 'node run.js hub start' })
    expect(s2.computehub.url).toBe('http://127.0.0.1:8080')
    expect(s0.computehub.pid).toBeUndefined()
  })
  it('changes only the part named', () => {
    const s = withPart(withPart(s0, 'node', { node_id: 'n1' }), 'redis', { container_id: 'c1' })
    expect(s.gridnode?.node_id).toBe('n1')
    expect(s.redis?.container_id).toBe('c1')
    expect(s.computehub).toEqual(s0.computehub)
  })
})
