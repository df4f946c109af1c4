// What up does with what is recorded: start, restart the dead parts in order, redo an interrupted up, or nothing.
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../../src/cluster/local.js'
import type { ClusterHealth } from '../../../src/deploy/local-cluster/health.js'
import { planUp } from '../../../src/deploy/local-cluster/plan.js'

const state = (status?: LocalClusterState['status']): LocalClusterState => ({
  mode: 'local',
  status,
  computehub: { url: 'http://127.0.0.1:8080' },
})
const alive = { state: 'alive' } as const
const gone = { state: 'gone' } as const
const health = (h: Partial<ClusterHealth>): ClusterHealth => ({ redis: alive, hub: alive, node: alive, ...h })

describe('planUp', () => {
  it('starts a cluster when none is recorded', () => {
    expect(planUp(undefined, undefined)).toEqual({ kind: 'fresh' })
  })

  it('changes nothing when every recorded process runs (an existing Redis counts as running)', () => {
    expect(planUp(state('running'), health({}))).toEqual({ kind: 'nothing' })
    expect(planUp(state(), health({ redis: { state: 'not-managed' } }))).toEqual({ kind: 'nothing' })
  })

  it('restarts what died, Redis then the hub then the node, stopping a hub that does not answer first', () => {
    expect(planUp(state(), health({ node: gone, redis: gone }))).toEqual({
      kind: 'repair',
      restart: ['redis', 'node'],
      stopFirst: [],
    })
    expect(planUp(state(), health({ hub: { state: 'hung' }, node: gone }))).toEqual({
      kind: 'repair',
      restart: ['hub', 'node'],
      stopFirst: ['hub'],
    })
  })

  it('finishes an interrupted up by stopping what it started and starting again', () => {
    expect(planUp(state('starting'), undefined)).toEqual({ kind: 'redo' })
  })

  it('leaves alone an up that is still starting the cluster', () => {
    const s = { ...state('starting'), started_by: { pid: 31337 } }
    expect(() => planUp(s, undefined, true)).toThrow(
      'another gridcore up (pid 31337) is starting the local cluster: wait for it, then gridcore status',
    )
  })

  it('refuses when another process holds a dead part’s port, naming it (exit 3)', () => {
    const held = { state: 'held', holder: { pid: 42, command: 'redis-server *:6379', port: 6379 } } as const
    expect(() => planUp(state(), health({ redis: held }))).toThrow(
      "the local cluster's redis is not running and pid 42 (redis-server *:6379) holds port 6379: stop that process, then gridcore up again (or gridcore down, which keeps the data)",
    )
  })

  it('refuses after a down that could not finish', () => {
    expect(() => planUp(state('stopping'), undefined)).toThrow(
      /the last gridcore down could not stop everything/,
    )
  })
})
