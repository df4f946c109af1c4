// The contribution ledger's fields: node ids holding ":" keep them, other kinds and non-counts are ignored.
import { describe, expect, it } from 'vitest'
import { ledgerTotals, parseLedger } from '../../src/queue/ledger.js'

describe('parseLedger', () => {
  it('splits each field at its last ":" into node id and kind', () => {
    const l = parseLedger({
      'n1:done': '10',
      'n1:failed': '2',
      'host:with:colons:done': '5',
      'n2:failed': '1',
      'n3:other': '9',
      nocolon: '4',
      ':done': '3',
      'n4:done': '-1',
      'n5:done': 'x',
      '__proto__:done': '7',
    })
    expect({ ...l }).toEqual({
      n1: { done: 10, failed: 2 },
      'host:with:colons': { done: 5, failed: 0 },
      n2: { done: 0, failed: 1 },
      ['__proto__']: { done: 7, failed: 0 },
    })
    expect(Object.getPrototypeOf(l)).toBeNull()
    expect(ledgerTotals(l)).toEqual({ done: 22, failed: 3 })
  })
})
