// A real pipe for a filter's stdout. Node gives a child's stdio Unix socket pairs, where each small write is its
// own buffer and a few hundred of them fill the socket: a filter flushing every line then needs its reader awake
// for every line. A FIFO is a pipe: small writes merge into 64 KB, and nobody wakes until the reader comes back.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, constants, openSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Both ends of a fresh pipe (no name left on disk), or null when mkfifo is not there. */
export function openFifo(): { read: number; write: number } | null {
  const path = join(tmpdir(), `gridcore-filter-${process.pid}-${randomBytes(6).toString('hex')}`)
  if (spawnSync('mkfifo', ['-m', '600', path]).status !== 0) return null
  try {
    const read = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      // Blocking, as the child's stdout must be; the open returns at once since a reader is there.
      return { read, write: openSync(path, constants.O_WRONLY) }
    } catch {
      closeSync(read)
      return null
    }
  } catch {
    return null
  } finally {
    try {
      unlinkSync(path)
    } catch {}
  }
}
