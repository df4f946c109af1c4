// File helpers: atomic writes (temp file + fsync + rename) and private (0600/0700) files.
import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export interface WriteOptions {
  /** File mode, e.g. 0o600 for secrets. */
  mode?: number
  /** Mode for a directory created on the way (and enforced if `privateDir`). */
  dirMode?: number
  /** chmod the parent directory to dirMode even when it already existed. */
  enforceDirMode?: boolean
}

/** Writes a file so that readers see the old content or the new one, never half of it. */
export function writeFileAtomic(path: string, content: string | Buffer, opts: WriteOptions = {}): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o755 })
  if (opts.enforceDirMode && opts.dirMode !== undefined) chmodSync(dir, opts.dirMode)
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const mode = opts.mode ?? 0o644
  const fd = openSync(tmp, 'w', mode)
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  chmodSync(tmp, mode)
  renameSync(tmp, path)
}
