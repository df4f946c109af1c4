// The drain journal: a small file beside a results file that makes draining into it exactly-once across crashes.
// Before a batch is written, the journal says where the file ended, which batch follows and who writes it (lock
// token, pid, host); collect.lua keeps the id of the last batch each token removed in the same step. A later drain
// into the same file settles a journal left behind: if Redis holds that id for that token, the batch is in the
// file and out of Redis; if not, the file is cut back to where it ended (the batch is still in Redis and is
// written again). Other drainers since (another file, stdout) do not change the answer.
import {
  closeSync,
  fdatasync,
  fsyncSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'

export interface JournalEntry {
  /** The output list being drained. */
  queue: string
  /** Id of the batch written after `offset` (collect.lua records it under `token` in `drains` when it removes it). */
  batch: string
  /** The file's size before the batch. */
  offset: number
  /** The drain lock's token of the drainer that wrote it. */
  token: string
  pid: number
  host: string
}

export const journalPath = (out: string) => join(dirname(out), `.${basename(out)}.gridcore-drain`)

export function readJournal(out: string): JournalEntry | undefined {
  try {
    const e = JSON.parse(readFileSync(journalPath(out), 'utf8')) as JournalEntry
    return typeof e?.batch === 'string' && Number.isSafeInteger(e.offset) ? e : undefined
  } catch {
    return undefined
  }
}

/** Entries up to this size are written in place: one write inside a file's first page, which a kill cannot split. */
const IN_PLACE_MAX = 4000

/**
 * A drain's journal, opened at its first batch: each batch's entry is written over the one before in place (one
 * write at offset 0, padded to the longest so far; JSON ignores the trailing spaces) and made durable (fdatasync)
 * before the batch is written, so after a crash of the machine the file never holds a batch its journal does not
 * name. Not written as a new file renamed over the old: ext4 flushes a file renamed over another, a few ms a batch.
 */
export class JournalWriter {
  private fd?: number
  private width = 0

  constructor(private readonly out: string) {}

  async write(e: Omit<JournalEntry, 'pid' | 'host'>): Promise<void> {
    const text = Buffer.from(JSON.stringify({ ...e, pid: process.pid, host: hostname() }))
    if (text.length > IN_PLACE_MAX) {
      this.close()
      writeFileAtomic(journalPath(this.out), text)
      return
    }
    this.fd ??= this.open()
    this.width = Math.max(this.width, text.length)
    const padded = Buffer.alloc(this.width, 0x20)
    text.copy(padded)
    writeSync(this.fd, padded, 0, padded.length, 0)
    const fd = this.fd
    // Off the event loop, as the results file's own fsync.
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())))
  }

  private open(): number {
    const path = journalPath(this.out)
    try {
      return openSync(path, 'w', 0o644)
    } catch (err) {
      throw new GridcoreError(
        'USAGE',
        `cannot write ${path} (${(err as NodeJS.ErrnoException).code}), the journal beside --out that makes draining into it exactly once: choose an --out in a directory you can write`,
      )
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
    this.width = 0
  }
}

export function clearJournal(out: string): void {
  rmSync(journalPath(out), { force: true })
}

/**
 * Whether the drainer that wrote the entry is this process or no longer runs (same host, pid gone). A drainer on
 * another host counts as gone only once its lock is no longer its own (`lockHolder` = the lock's current token).
 */
export function writerGone(e: JournalEntry, lockHolder: string | null): boolean {
  if (e.host !== hostname()) return lockHolder !== e.token
  if (e.pid === process.pid) return true
  try {
    process.kill(e.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Cuts the file back to `offset` when it grew past it (the batch after it never left Redis). */
export function cutBack(out: string, offset: number): boolean {
  let size: number
  try {
    size = statSync(out).size
  } catch {
    return false
  }
  if (size <= offset) return false
  truncateSync(out, offset)
  const fd = openSync(out, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return true
}
