// doctor's port checks: the ports up would use, fine when the running local cluster holds them.
import { describe, expect, it } from 'vitest'
import { portChecks } from '../../src/deploy/doctor.js'

const free = (a: boolean, b: boolean) =>
  new Map([
    [18080, a],
    [16379, b],
  ])
const ports = { hubPort: 18080, redisPort: 16379 }

describe('portChecks', () => {
  it('free ports are ok', () => {
    expect(portChecks(ports, () => undefined, new Set(), free(true, true))).toEqual([
      { name: 'hub port', status: 'ok', detail: '18080 is free', fix: null },
      { name: 'Redis port', status: 'ok', detail: '16379 is free', fix: null },
    ])
  })
  it('a port the local cluster holds is ok; another holder is an error naming it and the flag', () => {
    const holder = (port: number) =>
      port === 18080 ? { pid: 5, command: 'hub' } : { pid: 6, command: 'nc -l' }
    expect(portChecks(ports, holder, new Set([5]), free(false, false))).toEqual([
      { name: 'hub port', status: 'ok', detail: '18080 is used by the local cluster (pid 5)', fix: null },
      {
        name: 'Redis port',
        status: 'error',
        detail: 'port 16379 is in use by pid 6 (nc -l)',
        fix: 'stop what holds it, or pass --redis-port to gridcore up',
      },
    ])
  })
  it('the same port for both is an error, as up refuses it', () => {
    expect(portChecks({ hubPort: 1, redisPort: 1 }, () => undefined, new Set(), new Map())).toEqual([
      {
        name: 'ports',
        status: 'error',
        detail: 'the hub port and the Redis port are both 1',
        fix: 'pass two different ports (--hub-port, --redis-port)',
      },
    ])
  })
})
