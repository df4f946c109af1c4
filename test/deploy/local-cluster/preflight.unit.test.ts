// Port checks of a new cluster: which ports, and the one-line error for a busy one.
import { describe, expect, it } from 'vitest'
import { portProblem, portsNeeded } from '../../../src/deploy/local-cluster/preflight.js'

describe('ports a new cluster needs', () => {
  it('the hub’s and Redis’s, or only the hub’s with an existing Redis', () => {
    expect(portsNeeded({ hubPort: 1, redisPort: 2 }, { redis: 'binary' })).toEqual([
      { port: 1, flag: '--hub-port' },
      { port: 2, flag: '--redis-port' },
    ])
    expect(portsNeeded({ hubPort: 1, redisPort: 2 }, { redis: 'url' })).toEqual([
      { port: 1, flag: '--hub-port' },
    ])
  })

  it('names the first busy port, what holds it and the flag to change it', () => {
    const needs = portsNeeded({ hubPort: 1, redisPort: 2 }, { redis: 'docker' })
    const describe = (p: number) => `port ${p} is in use by pid 9 (x)`
    expect(portProblem(needs, () => true, describe)).toBeUndefined()
    const e = portProblem(needs, (p) => p !== 2, describe)
    expect(e?.message).toBe('port 2 is in use by pid 9 (x): stop it, or pass --redis-port with a free port')
    expect(e?.exitCode).toBe(3)
  })
})
