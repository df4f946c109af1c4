// The drain journal beside a results file: written in place (or atomically when long), read back, who wrote it, cutting a file back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  clearJournal,
  cutBack,
  JournalWriter,
  journalPath,
  readJournal,
  writerGone,
} from '../../src/queue/drain-journal.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()

describe('drain journal', () => {
  it('sits beside the file as a hidden one, round-trips, and goes away', async () => {
    const out = join(dir, 'r.txt')
    expect(journalPath(out)).toBe(join(dir, '.r.txt.gridcore-drain'))
    expect(readJournal(out)).toBeUndefined()
    const w = new JournalWriter(out)
    await w.write({ queue: 'q:out', batch: 'tok:a:10', offset: 1_000_000, token: 'tok' })
    // Written in place over a longer entry: what is left of the longer one is padding, never part of the entry.
    await w.write({ queue: 'q:out', batch: 'tok:a:3', offset: 120, token: 'tok' })
    w.close()
    expect(readJournal(out)).toEqual({
      queue: 'q:out',
      batch: 'tok:a:3',
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

  it('a journal that cannot be created beside the file is a usage error naming it, not a crash', async () => {
    // Nothing can be created in /proc/self/fd.
    const w = new JournalWriter('/proc/self/fd/1')
    await expect(w.write({ queue: 'q', batch: 'b', offset: 0, token: 't' })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/^cannot write \/proc\/self\/fd\/\.1\.gridcore-drain \(ENOENT\)/),
    })
  })

  it('an entry too long to write in place is written as a new file, and read back the same', async () => {
    const out = join(dir, 'long.txt')
    const w = new JournalWriter(out)
    const queue = `q${'x'.repeat(5000)}:out`
    await w.write({ queue, batch: 'b:1', offset: 1, token: 't' })
    await w.write({ queue: 'short:out', batch: 'b:2', offset: 2, token: 't' })
    w.close()
    expect(readJournal(out)).toMatchObject({ queue: 'short:out', batch: 'b:2', offset: 2 })
    await w.write({ queue, batch: 'b:3', offset: 3, token: 't' })
    expect(readJournal(out)).toMatchObject({ queue, batch: 'b:3', offset: 3 })
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
