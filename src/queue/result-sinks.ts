// Where drained results go: a file (appended, fsync'ed, cut back when Redis kept a batch) or stdout.
import { closeSync, fstatSync, fsync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import { GridcoreError } from '../lib/errors.js'

export interface Sink {
  write(bytes: Buffer): Promise<void>
  /** Makes what was written durable before Redis forgets it. */
  flush(): Promise<void>
  /** What was written so far is final (Redis let go of it). */
  keep(): void
  /** Takes back what was written since the last keep(), where it can (a file); false where it cannot. */
  takeBack(): boolean
  close(): void
  /** Whether the destination already had content (CSV then skips its header). */
  hadContent: boolean
  /** Bytes in the file so far (0 for stdout). */
  size(): number
}

export function fileSink(path: string, overwrite: boolean): Sink {
  let fd: number
  try {
    fd = openSync(path, overwrite ? 'w' : 'a', 0o644)
  } catch (err) {
    throw new GridcoreError(
      'USAGE',
      `cannot write ${path} (${(err as NodeJS.ErrnoException).code}): check the path and its permissions`,
    )
  }
  let size = fstatSync(fd).size
  let kept = size
  return {
    hadContent: size > 0,
    async write(bytes) {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at)
      size += bytes.length
    },
    // Off the event loop: a run's push and watch go on while the disk catches up.
    flush: () => new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve()))),
    keep() {
      kept = size
    },
    takeBack() {
      ftruncateSync(fd, kept)
      fsyncSync(fd)
      size = kept
      return true
    },
    close: () => closeSync(fd),
    size: () => size,
  }
}

export function stdoutSink(): Sink {
  return {
    hadContent: false,
    write: (bytes) =>
      new Promise((resolve, reject) => {
        process.stdout.write(bytes, (err) => (err ? reject(err) : resolve()))
      }),
    async flush() {},
    keep() {},
    takeBack: () => false,
    close() {},
    size: () => 0,
  }
}
