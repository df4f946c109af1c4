// What down may delete: a part's files only once nothing runs in its place; data only with --purge-data.
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../../src/cluster/local.js'
import { planRemoval, type RemovalInput } from '../../../src/deploy/local-cluster/teardown-plan.js'

const state: LocalClusterState = {
  mode: 'local',
  computehub: {
    url: 'http://127.0.0.1:8080',
    config_path: '/c/computehub.toml',
    state_file: '/d/redis-6379/computehub-state.json',
    state_created: true,
  },
  gridnode: { config_path: '/c/gridnode.toml' },
  redis: {
    managed: true,
    port: 6379,
    data_dir: '/d/redis-6379',
    config_path: '/d/redis-6379/redis.conf',
    data_created: false,
  },
}
const stopped = { node: 'stopped', hub: 'stopped', redis: 'stopped' } as const
const input = (o: Partial<RemovalInput> = {}): RemovalInput => ({
  state,
  outcomes: stopped,
  holders: {},
  purge: 'none',
  writtenByGridcore: () => true,
  insideOwnDirs: (f) => f.startsWith('/d/') || f.startsWith('/c/'),
  ...o,
})
const byHand = { pid: 77, command: 'redis-server 127.0.0.1:6379', port: 6379 }

describe('planRemoval', () => {
  it('by default removes the configs and keeps Redis’s data dir (AOF, config, task list)', () => {
    expect(planRemoval(input())).toEqual({
      remove: ['/c/gridnode.toml', '/c/computehub.toml'],
      keptFiles: [],
      held: [],
      keptData: '/d/redis-6379',
      keptTaskList: '/d/redis-6379/computehub-state.json',
      purgedData: false,
      complete: true,
    })
  })

  it('--purge-data removes the data dir and the task list', () => {
    const r = planRemoval(input({ purge: 'all' }))
    expect(r.remove).toEqual([
      '/c/gridnode.toml',
      '/c/computehub.toml',
      '/d/redis-6379/computehub-state.json',
      '/d/redis-6379',
    ])
    expect(r).toMatchObject({ keptData: null, keptTaskList: null, purgedData: true, complete: true })
  })

  it('a rollback purges only what this cluster’s up created (data kept from an earlier cluster stays)', () => {
    const r = planRemoval(input({ purge: 'created' }))
    expect(r.remove).not.toContain('/d/redis-6379')
    expect(r.keptData).toBe('/d/redis-6379')
    const created = { ...state, redis: { ...state.redis, data_created: true } }
    expect(planRemoval(input({ purge: 'created', state: created })).remove).toContain('/d/redis-6379')
  })

  it('a Redis restarted by hand holds its port: nothing of Redis is deleted, even with --purge-data; not complete', () => {
    for (const outcome of ['gone', 'not-ours', 'stopped'] as const) {
      const r = planRemoval(
        input({ purge: 'all', outcomes: { ...stopped, redis: outcome }, holders: { redis: byHand } }),
      )
      expect(r.remove).not.toContain('/d/redis-6379')
      expect(r.remove).not.toContain('/d/redis-6379/redis.conf')
      expect(r).toMatchObject({
        keptFiles: ['/d/redis-6379/redis.conf', '/d/redis-6379'],
        held: [{ part: 'redis', ...byHand }],
        keptData: '/d/redis-6379',
        purgedData: false,
        complete: false,
      })
    }
  })

  it('pids that were not ours while processes still hold the ports: both configs kept', () => {
    const hubHolder = { pid: 5, command: 'node run.js hub start', port: 8080 }
    const nodeUser = { pid: 6, command: 'node run.js node start --config /c/gridnode.toml' }
    const r = planRemoval(
      input({
        outcomes: { node: 'not-ours', hub: 'not-ours', redis: 'not-ours' },
        holders: { hub: hubHolder, node: nodeUser, redis: byHand },
      }),
    )
    expect(r.remove).toEqual([])
    expect(r.keptFiles).toEqual([
      '/c/gridnode.toml',
      '/c/computehub.toml',
      '/d/redis-6379/redis.conf',
      '/d/redis-6379',
    ])
    expect(r.held.map((h) => h.part)).toEqual(['node', 'hub', 'redis'])
  })

  it('a pid that was not ours with nothing in its place: that process is gone, its files go', () => {
    const r = planRemoval(input({ outcomes: { ...stopped, hub: 'not-ours' } }))
    expect(r.remove).toContain('/c/computehub.toml')
    expect(r.complete).toBe(true)
  })

  it('never deletes a config gridcore did not write', () => {
    const r = planRemoval(input({ writtenByGridcore: (f) => f !== '/c/computehub.toml' }))
    expect(r.remove).toEqual(['/c/gridnode.toml'])
  })

  it('a record edited to name other paths deletes none of them, even with --purge-data', () => {
    const evil: LocalClusterState = {
      ...state,
      computehub: { ...state.computehub, config_path: '/etc/passwd', state_file: '/home/me/thesis.json' },
      redis: { ...state.redis, data_dir: '/home/me', config_path: '/home/me/.bashrc', data_created: true },
    }
    const r = planRemoval(input({ state: evil, purge: 'all' }))
    expect(r.remove).toEqual(['/c/gridnode.toml'])
    expect(r.keptFiles).toEqual(['/etc/passwd', '/home/me/thesis.json', '/home/me'])
    expect(r).toMatchObject({ keptData: '/home/me', purgedData: false, complete: true })
  })

  it('an existing Redis is not touched', () => {
    const url = { ...state, redis: { managed: false, url: 'redis://h:1' } }
    const r = planRemoval(input({ state: url, purge: 'all', outcomes: { ...stopped, redis: 'not-managed' } }))
    expect(r).toMatchObject({ keptData: null, purgedData: false, complete: true })
  })
})

describe('planRemoval of a listening cluster’s TLS files', () => {
  const tls = {
    dir: '/d/redis-6379/tls',
    ca_file: '/d/redis-6379/tls/ca.pem',
    ca_key_file: '/d/redis-6379/tls/ca-key.pem',
    cert_file: '/d/redis-6379/tls/server.pem',
    key_file: '/d/redis-6379/tls/server-key.pem',
    ca_fingerprint: 'sha256:00',
    ca_created: true,
  }
  const listening = { ...state, tls }

  it('removes the server certificate and key, and keeps the CA with the data (joined machines pinned it)', () => {
    const r = planRemoval(input({ state: listening }))
    expect(r.remove).toEqual([
      '/c/gridnode.toml',
      '/c/computehub.toml',
      '/d/redis-6379/tls/server.pem',
      '/d/redis-6379/tls/server-key.pem',
    ])
    expect(r.keptData).toBe('/d/redis-6379')
  })

  it('a rollback removes the CA it made; one kept from an earlier cluster stays', () => {
    expect(planRemoval(input({ state: listening, purge: 'created' })).remove).toContain(tls.ca_key_file)
    const kept = { ...listening, tls: { ...tls, ca_created: false } }
    expect(planRemoval(input({ state: kept, purge: 'created' })).remove).not.toContain(tls.ca_file)
  })

  it('keeps every TLS file while the hub or Redis is held by another process (they serve them)', () => {
    const r = planRemoval(input({ state: listening, holders: { hub: { pid: 9, command: 'x', port: 8080 } } }))
    expect(r.remove).not.toContain(tls.cert_file)
    expect(r.keptFiles).toContain(tls.cert_file)
  })
})
