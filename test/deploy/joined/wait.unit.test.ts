// What join reads in the background node's log: the id it registered as, or why it stopped.
import { describe, expect, it } from 'vitest'
import { lastWords, registeredId } from '../../../src/deploy/joined/wait.js'

const line = (o: Record<string, unknown>) => JSON.stringify({ time: 't', component: 'node', ...o })

describe('registeredId', () => {
  it('finds the id of the "registered with" line, ignoring other lines and text', () => {
    const lines = [
      'not json',
      line({ level: 'warn', msg: 'cannot reach the hub; retrying in 1s' }),
      line({ level: 'info', msg: 'registered with https://10.0.0.5:8080 as node n-1', node: 'n-1' }),
    ]
    expect(registeredId(lines)).toBe('n-1')
    expect(registeredId(lines.slice(0, 2))).toBeUndefined()
  })
})

describe('lastWords', () => {
  it('prefers the node command’s own one-line error, else the last warning or error, else the last line', () => {
    expect(
      lastWords([line({ level: 'warn', msg: 'w' }), 'gridcore: the hub at x rejected the token (401)']),
    ).toBe('the hub at x rejected the token (401)')
    expect(lastWords([line({ level: 'error', msg: 'e' }), line({ level: 'info', msg: 'i' })])).toBe('e')
    expect(lastWords(['plain'])).toBe('plain')
    expect(lastWords([])).toBe('')
  })
})
