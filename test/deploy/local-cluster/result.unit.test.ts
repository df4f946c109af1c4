// What up and down report, built from the record and the outcome.
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../../src/cluster/local.js'
import { type DownResult, downText, heldMessage } from '../../../src/deploy/local-cluster/down-report.js'
import { plaintextNote, upResult, upText } from '../../../src/deploy/local-cluster/result.js'

const state: LocalClusterState = {
  mode: 'local',
  engine: 'embedded',
  runtime: 'process',
  computehub: { url: 'http://127.0.0.1:8080' },
  gridnode: { node_id: 'n1', parallelism: 2, allowed_commands: ['*'] },
  redis: { managed: true, url: 'redis://:***@127.0.0.1:6379', data_dir: '/d/redis-6379' },
}

describe('upResult', () => {
  it('reads the record; says what was restarted', () => {
    const r = upResult(state, {
      alreadyRunning: true,
      restarted: ['redis', 'node'],
      stateFile: '/s',
      startedAt: 0,
      now: 1234,
    })
    expect(r).toEqual({
      already_running: true,
      restarted: ['redis', 'node'],
      cluster: 'local',
      engine: 'embedded',
      runtime: 'process',
      hub_url: 'http://127.0.0.1:8080',
      redis_url: 'redis://:***@127.0.0.1:6379',
      node_id: 'n1',
      parallelism: 2,
      data_dir: '/d/redis-6379',
      allowed_commands: ['*'],
      state_file: '/s',
      seconds: 1.2,
      listen: null,
      advertise: null,
      tls: null,
      ca_fingerprint: null,
      join: null,
    })
    expect(plaintextNote(r)).toBeNull()
    expect(upText(r)).toBe(
      'Restarted redis, node of the local cluster in 1.2s (token, password, data and tasks kept): hub http://127.0.0.1:8080, node n1.',
    )
    expect(upText({ ...r, restarted: [] })).toBe(
      'A local cluster already runs at http://127.0.0.1:8080; nothing changed.',
    )
    expect(upText({ ...r, restarted: [], already_running: false })).toMatch(/^Local cluster up in 1.2s: hub /)
  })
})

describe('upResult of a listening cluster', () => {
  const listening: LocalClusterState = {
    ...state,
    computehub: { url: 'https://127.0.0.1:8080' },
    listen: { address: '10.0.0.5', advertise: 'lab.example', tls: true },
    tls: {
      dir: '/t',
      ca_file: '/t/ca.pem',
      ca_key_file: '/t/ca-key.pem',
      cert_file: '/t/server.pem',
      key_file: '/t/server-key.pem',
      ca_fingerprint: 'sha256:ab',
      ca_created: true,
    },
  }
  const at = { alreadyRunning: false, restarted: [], stateFile: '/s', startedAt: 0, now: 1000 }
  const join = 'gridcore://lab.example:8080/?ca=sha256:ab&token=t'

  it('adds the listen address, the advertised host, TLS, the CA and the join string; prints how to join', () => {
    const r = upResult(listening, { ...at, join })
    expect(r).toMatchObject({
      listen: '10.0.0.5',
      advertise: 'lab.example',
      tls: true,
      ca_fingerprint: 'sha256:ab',
      join,
    })
    expect(upText(r).split('\n')[1]).toBe(
      `Listening on 10.0.0.5 as lab.example (TLS, CA sha256:ab). On another machine: gridcore join '${join}'`,
    )
    expect(plaintextNote(r)).toBeNull()
  })

  it('says on stderr what --insecure-plaintext means, every time up reports such a cluster', () => {
    const plain = { ...listening, tls: undefined, listen: { ...listening.listen!, tls: false } }
    const r = upResult(plain, { ...at, alreadyRunning: true })
    expect(r).toMatchObject({ tls: false, ca_fingerprint: null })
    expect(plaintextNote(r)).toMatch(
      /^gridcore: --insecure-plaintext: the hub and Redis on 10\.0\.0\.5 speak plain text, so the tokens, the Redis password and every item cross the network unencrypted/,
    )
  })
})

describe('down report', () => {
  const done: DownResult = {
    was_running: true,
    node: 'stopped',
    hub: 'stopped',
    redis: 'stopped',
    instances_stopped: 2,
    kept_data: true,
    data_dir: '/d/redis-6379',
    task_list: '/d/redis-6379/computehub-state.json',
    purged_data: false,
    held: [],
    kept_files: [],
    kept_ca: null,
    complete: true,
    ports_free: true,
  }
  it('says that a listening cluster’s CA and join token stay with the data', () => {
    expect(downText({ ...done, kept_ca: '/d/redis-6379/tls/ca.pem' })).toMatch(
      /kept in \/d\/redis-6379 \(gridcore up on the same Redis port uses it again, and joined machines stay joined;/,
    )
  })

  it('says where the data is kept and how to delete it', () => {
    expect(downText(done)).toBe(
      "Local cluster stopped (node: stopped, hub: stopped, Redis: stopped); stopped 2 instance(s) a crashed node left; Redis data and the hub's task list kept in /d/redis-6379 (gridcore up on the same Redis port uses it again; gridcore down --purge-data deletes it).",
    )
    expect(heldMessage(done)).toBeNull()
  })
  it('names the process that holds a port, what was kept, and what to do', () => {
    const held: DownResult = {
      ...done,
      redis: 'gone',
      held: [{ part: 'redis', pid: 77, command: 'redis-server 127.0.0.1:6379', port: 6379 }],
      kept_files: ['/d/redis-6379/redis.conf', '/d/redis-6379'],
      complete: false,
    }
    expect(heldMessage(held)).toBe(
      'Redis is not stopped: pid 77 (redis-server 127.0.0.1:6379) holds port 6379, a process gridcore did not start; kept its files (/d/redis-6379/redis.conf, /d/redis-6379): stop that process, then run gridcore down again',
    )
    expect(downText(held)).toMatch(/^Local cluster partly stopped/)
  })
})
