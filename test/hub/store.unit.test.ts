// The hub state file: version 2 round trip, a version 1 file (before scheduling) migrated, bad files refused.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HubState } from '../../src/hub/state.js'
import { fileTaskStore } from '../../src/hub/store.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const file = (name: string, data: unknown) => {
  const p = join(dir, name)
  writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data))
  return p
}

describe('the hub state file', () => {
  it('loads a version 1 file: order, statuses, the current task, and what a bare finish completes', () => {
    const p = file('v1.json', {
      version: 1,
      tasks: [
        { spec: { name: 'a', image: 'a' }, status: 'Completed' },
        { spec: { name: 'b', image: 'b' }, status: 'Running' },
        { spec: { name: 'c', image: 'c' }, status: 'Pending' },
      ],
      currentIndex: 1,
    })
    const store = fileTaskStore(p)
    const s = new HubState(store.load())
    expect(s.listTasks()).toEqual({ current: 'b', pending: ['c'], completed: ['a'] })
    expect(s.finish()).toEqual({ completed: 'b', started: 'c' })
    store.save(s.snapshot())
    const saved = JSON.parse(readFileSync(p, 'utf8'))
    expect(saved.version).toBe(2)
    expect(new HubState(store.load()).listTasks()).toEqual({
      current: 'c',
      pending: [],
      completed: ['a', 'b'],
    })
  })

  it('a version 1 file whose last task was finished re-completes it on a bare finish, as before', () => {
    const p = file('v1-done.json', {
      version: 1,
      tasks: [{ spec: { name: 'a' }, status: 'Completed' }],
      currentIndex: 0,
    })
    const s = new HubState(fileTaskStore(p).load())
    expect(s.finish()).toEqual({ completed: 'a', started: null })
  })

  it.each([
    ['unknown version', { version: 9, tasks: [] }, /unknown version 9/],
    ['v1 index', { version: 1, tasks: [], currentIndex: 3 }, /points at no task/],
    [
      'bad status',
      { version: 2, tasks: [{ spec: { name: 'a' }, status: 'Lost' }] },
      /lacks a name or status/,
    ],
    [
      'duplicate ids',
      {
        version: 2,
        tasks: [
          { id: 1, spec: { name: 'a' }, status: 'Pending', queued: 1, after_ids: [] },
          { id: 1, spec: { name: 'b' }, status: 'Pending', queued: 2, after_ids: [] },
        ],
        last_started: {},
        next_id: 3,
        front: -1,
      },
      /no unique id/,
    ],
    [
      'unknown dependency',
      {
        version: 2,
        tasks: [{ id: 1, spec: { name: 'a' }, status: 'Pending', queued: 1, after_ids: [7] }],
        last_started: {},
        next_id: 2,
        front: -1,
      },
      /waits for an unknown id/,
    ],
  ])('refuses %s, saying how to start over', (_why, data, msg) => {
    const p = file('bad.json', data)
    expect(() => fileTaskStore(p).load()).toThrow(msg)
    expect(() => fileTaskStore(p).load()).toThrow(/move it aside/)
  })
})
