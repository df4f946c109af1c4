// The `local` block of gridcore status: recorded processes alive or gone, the fix, and what the node may run.
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../src/cluster/local.js'
import {
  describeProcess,
  explainUnreachable,
  localBlockOf,
  recordedParts,
  sameProcess,
} from '../../src/cluster/local-processes.js'
import { GridcoreError } from '../../src/lib/errors.js'
import { cmdlineOf, startTimeOf } from '../../src/lib/proc.js'

const state: LocalClusterState = {
  mode: 'local',
  computehub: { url: 'http://127.0.0.1:8080', pid: 10 },
  gridnode: { pid: 11, allowed_commands: ['*'], log_path: '/l/gridnode.log' },
  redis: { managed: true, pid: 12 },
}

describe('sameProcess', () => {
  it('matches this process by start time, refuses a different start time or a dead pid', () => {
    expect(sameProcess({ pid: process.pid, started: startTimeOf(process.pid) })).toBe(true)
    expect(sameProcess({ pid: process.pid, started: '1' })).toBe(false)
    expect(sameProcess({ pid: process.pid, cmdline: cmdlineOf(process.pid) })).toBe(true)
    expect(sameProcess({ pid: 2 ** 22 + 1, started: '1' })).toBe(false)
    expect(sameProcess({})).toBe(false)
  })
})

describe('localBlockOf', () => {
  it('marks gone processes with the fix, and says the local node runs any command', () => {
    const procs = recordedParts(state).map(({ name, rec }) => describeProcess(name, rec, name !== 'node'))
    expect(localBlockOf(state, procs, '/s.json')).toEqual({
      state_file: '/s.json',
      status: 'running',
      processes: [
        { name: 'redis', pid: 12, state: 'alive', log_path: null },
        { name: 'hub', pid: 10, state: 'alive', log_path: null },
        { name: 'node', pid: 11, state: 'gone', log_path: '/l/gridnode.log' },
      ],
      fix: 'gridcore up',
      allowed_commands: ['*'],
      note: 'local node runs any command (allowed_commands = ["*"])',
    })
  })

  it('no fix when all run; an existing Redis is not managed; an unfinished down says so', () => {
    const url = { ...state, redis: { managed: false, url: 'redis://h:1' } }
    const procs = recordedParts(url).map(({ name, rec }) => describeProcess(name, rec, true))
    expect(procs[0]).toEqual({ name: 'redis', pid: null, state: 'not-managed', log_path: null })
    expect(localBlockOf(url, procs, '/s').fix).toBeNull()
    expect(localBlockOf({ ...url, status: 'stopping' }, procs, '/s').fix).toBe('gridcore down')
  })
})

describe('explainUnreachable', () => {
  const unreachable = new GridcoreError(
    'HUB_UNREACHABLE',
    'cannot reach the hub at http://127.0.0.1:8080 (ECONNREFUSED)',
  )
  it('adds which local process is gone and the fix, keeping the exit code', () => {
    const procs = recordedParts(state).map(({ name, rec }) => describeProcess(name, rec, name === 'redis'))
    const e = explainUnreachable(unreachable, localBlockOf(state, procs, '/s')) as GridcoreError
    expect(e.message).toBe(
      "cannot reach the hub at http://127.0.0.1:8080 (ECONNREFUSED); the local cluster's hub (pid 10), node (pid 11) are gone: gridcore up restarts them",
    )
    expect(e.exitCode).toBe(4)
  })
  it('leaves other errors alone', () => {
    expect(explainUnreachable(unreachable, null)).toBe(unreachable)
    const procs = recordedParts(state).map(({ name, rec }) => describeProcess(name, rec, true))
    expect(explainUnreachable(unreachable, localBlockOf(state, procs, '/s'))).toBe(unreachable)
  })
})
