// The drain journal beside a results file: written atomically, read back, who wrote it, cutting a file back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  clearJournal,
  cutBack,
  journalPath,
  readJournal,
  writeJournal,
  writerGone,
} from '../../src/queue/drain-journal.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()

describe('drain journal', () => {
  it('sits beside the file as a hidden one, round-trips, and goes away', () => {
    const out = join(dir, 'r.txt')
    expect(journalPath(out)).toBe(join(dir, '.r.txt.gridcore-drain'))
    expect(readJournal(out)).toBeUndefined()
    writeJournal(out, { queue: 'q:out', batch: 'tok:3', offset: 120, token: 'tok' })
    expect(readJournal(out)).toEqual({
      queue: 'q:out',
      batch: 'tok:3',
      offset: 120,
      token: 'tok',
      pid: process.pid,
      host: hostname(),
    })
    clearJournal(out)
    expect(existsSync(journalPath(out))).toBe(false)
    writeFileSync(journalPath(out), 'not json')
    expect(readJournal(out)).toBeUndefined()
  })

  it('a writer is gone when its pid is (same host), is this process, or elsewhere once its lock is not its own', () => {
    const e = { queue: 'q', batch: 'b', offset: 0, token: 't', pid: process.pid, host: hostname() }
    expect(writerGone(e, 't')).toBe(true)
    expect(writerGone({ ...e, pid: 2 ** 22 + 4321 }, 't')).toBe(true)
    expect(writerGone({ ...e, pid: 1 }, 't')).toBe(false)
    expect(writerGone({ ...e, host: 'other' }, 't')).toBe(false)
    expect(writerGone({ ...e, host: 'other' }, null)).toBe(true)
  })

  it('cuts a file back to where a batch began, and only when it grew past it', () => {
    const out = join(dir, 'c.txt')
    writeFileSync(out, 'kept\npartial batch\n')
    expect(cutBack(out, 5)).toBe(true)
    expect(readFileSync(out, 'utf8')).toBe('kept\n')
    expect(cutBack(out, 5)).toBe(false)
    expect(cutBack(join(dir, 'none.txt'), 0)).toBe(false)
  })
})
