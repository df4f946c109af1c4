// Key names: every protocol key from one module, no Redis needed.
import { describe, expect, it } from 'vitest'
import {
  consumerId,
  defaultOutputQueue,
  ledgerFields,
  nodeOfConsumer,
  queueKeys,
  runIdOf,
  runQueues,
} from '../../src/queue/keys.js'

describe('queueKeys', () => {
  it('builds every key of a queue from its input and output names', () => {
    const k = queueKeys('sqrt:in', 'sqrt:out')
    expect({ ...k, processing: k.processing('n1:0'), lease: k.lease('n1:0') }).toEqual({
      input: 'sqrt:in',
      output: 'sqrt:out',
      stats: 'sqrt:in:stats',
      failed: 'sqrt:in:failed',
      dead: 'sqrt:in:dead',
      suspects: 'sqrt:in:suspects',
      attempts: 'sqrt:in:attempts',
      consumers: 'sqrt:in:consumers',
      collector: 'sqrt:out:collector',
      drains: 'sqrt:out:drains',
      ledger: 'sqrt:in:ledger',
      processing: 'sqrt:in:processing:n1:0',
      lease: 'sqrt:in:lease:n1:0',
    })
  })

  it('keeps names that hold separators, spaces and non-ASCII as they are', () => {
    const k = queueKeys('a b:ü:{x}', 'out')
    expect(k.suspects).toBe('a b:ü:{x}:suspects')
    expect(k.processing('node:7')).toBe('a b:ü:{x}:processing:node:7')
  })
})

describe('other names', () => {
  it('default output queue, run queues and consumer ids', () => {
    expect(defaultOutputQueue('jobs')).toBe('jobs:output')
    expect(runQueues('run-1')).toEqual({ input: 'gridcore:run-1:in', output: 'gridcore:run-1:out' })
    expect(consumerId('b3e1', 2)).toBe('b3e1:2')
    expect(consumerId('b3e1', '')).toBe('b3e1:')
  })

  it('runIdOf reads a run id back from its input queue, and nothing else', () => {
    expect(runIdOf(runQueues('run-1').input)).toBe('run-1')
    expect(runIdOf(runQueues('a:b').input)).toBe('a:b')
    expect(runIdOf('gridcore:run-1:out')).toBeUndefined()
    expect(runIdOf('jobs:in')).toBeUndefined()
  })

  it('the ledger credits the node of a consumer id: the part before its last ":"', () => {
    expect(nodeOfConsumer(consumerId('b3e1', 2))).toBe('b3e1')
    expect(nodeOfConsumer(consumerId('host:a:b', 10))).toBe('host:a:b')
    expect(nodeOfConsumer('lonely')).toBe('lonely')
    expect(ledgerFields('b3e1')).toEqual({ done: 'b3e1:done', failed: 'b3e1:failed' })
  })
})
