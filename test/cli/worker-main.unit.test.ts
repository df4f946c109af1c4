// The worker's fast start: the plain argv nodes pass is read without oclif; anything else is left to oclif.
import { describe, expect, it } from 'vitest'
import { parseWorkerArgv } from '../../src/cli/worker-main.js'

describe('parseWorkerArgv', () => {
  it('reads the plain form, with defaults, in either flag style', () => {
    expect(parseWorkerArgv(['--filter', 'python3 -u f.py', '--item-timeout', '30'])).toEqual({
      filter: 'python3 -u f.py',
      batch: 100,
      itemTimeoutMs: 30_000,
      maxAttempts: 3,
      leaseMs: 30_000,
      json: false,
    })
    expect(
      parseWorkerArgv([
        '--filter=cat',
        '--batch=250',
        '--item-timeout',
        '0.7',
        '--max-attempts',
        '5',
        '--lease',
        '2.5',
        '--json',
      ]),
    ).toEqual({ filter: 'cat', batch: 250, itemTimeoutMs: 700, maxAttempts: 5, leaseMs: 2_500, json: true })
    expect(parseWorkerArgv(['--filter', 'a=b', '--item-timeout=500ms'])).toMatchObject({
      filter: 'a=b',
      itemTimeoutMs: 500,
    })
  })

  it('leaves help, unknown flags, missing or bad values to oclif', () => {
    for (const argv of [
      [],
      ['--help'],
      ['--filter'],
      ['--filter', ''],
      ['--filter', 'cat', '--verbose'],
      ['--filter', 'cat', 'extra'],
      ['--filter', 'cat', '--batch', '0'],
      ['--filter', 'cat', '--batch', '5001'],
      ['--filter', 'cat', '--batch', '1.5'],
      ['--filter', 'cat', '--item-timeout', '-1'],
      ['--filter', 'cat', '--max-attempts', 'x'],
      ['--filter', 'cat', '--json=yes'],
      ['--filter', 'cat', '--lease', '500ms'],
    ])
      expect(parseWorkerArgv(argv), argv.join(' ')).toBeUndefined()
  })
})
