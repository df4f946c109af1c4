// gridcore results: write the output list's bytes to a file or stdout. Draining removes a result only after it
// was written and flushed (fsync for files), under a drain lock whose token every step checks, so an interrupted
// run loses nothing, repeats at most a batch, and a drainer that stalled past its lock removes nothing.
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs'
import type { Redis } from 'ioredis'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from './keys.js'
import { Formatter, type ResultFormat } from './result-format.js'
import { queueScripts } from './scripts.js'

export type { ResultFormat }

export interface CollectOptions {
  redis: Redis
  keys: QueueKeys
  format: ResultFormat
  /** File to append to (created 0644); stdout when absent. */
  out?: string
  /** Truncate the file first instead of appending. */
  overwrite?: boolean
  /** Only copy the N oldest results; leave the list alone. */
  peek?: number
  batch?: number
  onProgress?: (written: number) => void
}

export interface CollectResult {
  queue: string
  written: number
  drained: boolean
  remaining: number
  out: string | null
  format: ResultFormat
}

const LOCK_MS = 60_000

interface Sink {
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
}

function fileSink(path: string, overwrite: boolean): Sink {
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
    async flush() {
      fsyncSync(fd)
    },
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
  }
}

function stdoutSink(): Sink {
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
  }
}

export async function collectResults(opts: CollectOptions): Promise<CollectResult> {
  const { redis, keys } = opts
  const batch = opts.batch ?? 5000
  const base = { queue: keys.output, out: opts.out ?? null, format: opts.format }
  if (opts.peek !== undefined) {
    const items = (await redis.lrangeBuffer(keys.output, -opts.peek, -1)).reverse()
    const sink = opts.out ? fileSink(opts.out, opts.overwrite ?? false) : stdoutSink()
    try {
      await sink.write(new Formatter(opts.format, sink.hadContent).render(items))
      await sink.flush()
    } finally {
      sink.close()
    }
    return { ...base, written: items.length, drained: false, remaining: await redis.llen(keys.output) }
  }
  const token = randomBytes(8).toString('hex')
  const locked = await redis.set(keys.collector, token, 'PX', LOCK_MS, 'NX')
  if (locked !== 'OK') {
    throw new GridcoreError(
      'USAGE',
      `another gridcore results is draining ${keys.output}: wait for it, or use --peek N to read without draining`,
    )
  }
  const scripts = queueScripts(redis)
  const renew = setInterval(() => {
    scripts.renew(keys.collector, token, LOCK_MS).catch(() => {})
  }, LOCK_MS / 3)
  const sink = opts.out ? fileSink(opts.out, opts.overwrite ?? false) : stdoutSink()
  const fmt = new Formatter(opts.format, sink.hadContent)
  let written = 0
  let remaining = 0
  try {
    for (;;) {
      const items = await redis.lrangeBuffer(keys.output, -batch, -1)
      if (!items.length) break
      items.reverse()
      await sink.write(fmt.render(items))
      await sink.flush()
      const left = await scripts.collect(keys, token, items.length)
      if (left === 'lost') throw lockLost(keys.output, items.length, sink.takeBack())
      sink.keep()
      remaining = left
      written += items.length
      opts.onProgress?.(written)
      if (remaining === 0) break
    }
  } finally {
    clearInterval(renew)
    sink.close()
    await scripts.renew(keys.collector, token, 0).catch(() => {})
  }
  return { ...base, written, drained: true, remaining }
}

function lockLost(output: string, n: number, takenBack: boolean): GridcoreError {
  const last = takenBack
    ? `its last ${n} results were taken back out of the file and stay in Redis for that run, so none is written twice`
    : `its last ${n} results stay in Redis and may be written again by that run`
  return new GridcoreError(
    'USAGE',
    `this gridcore results stalled past its drain lock on ${output} and another one took over; ${last}. Run gridcore results again once the other has finished`,
  )
}
