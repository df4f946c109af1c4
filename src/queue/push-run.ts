// gridcore push: stream a file, stdin or a range into a queue and report what Redis acknowledged.
import { closeSync, createReadStream, openSync, statSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { GridcoreError } from '../lib/errors.js'
import { RespPipe } from '../redis/resp.js'
import { RedisUrl } from '../redis/url.js'
import { queueKeys } from './keys.js'
import { PushSink } from './push.js'
import { InvalidRecord } from './records.js'
import { feedRange, feedStream, type PushFormat, parseRange, rangeCount } from './sources.js'

export type PushSource = { file: string } | { stdin: Readable } | { range: string }

export interface PushOptions {
  redisUrl: string | RedisUrl
  /** The cluster CA (PEM) a rediss:// Redis is verified against. */
  caPem?: string
  queue: string
  source: PushSource
  format: PushFormat
  skipInvalid?: boolean
  /** Pass over this many items of the source first (a resumed push: they reached Redis before). */
  skip?: number
  /**
   * Stops the push at once (Ctrl-C): reading stops, what was read is sent, and an INTERRUPTED error says how
   * many items Redis acknowledged (details.pushed).
   */
  signal?: AbortSignal
  /** Progress: items added and, for files, bytes read of the total. */
  onProgress?: (p: {
    items: number
    bytes: number
    totalBytes: number | null
    totalItems: number | null
  }) => void
}

export interface PushResult {
  queue: string
  redis: string
  pushed: number
  skipped: number
  seconds: number
  rate: number
}

export async function pushItems(opts: PushOptions): Promise<PushResult> {
  const started = performance.now()
  const range = 'range' in opts.source ? parseRange(opts.source.range) : undefined
  let stream: Readable | undefined
  let totalBytes: number | null = null
  if ('file' in opts.source) {
    const file = opts.source.file
    totalBytes = checkReadable(file)
    stream = createReadStream(file, { highWaterMark: 1 << 20 })
  } else if ('stdin' in opts.source) stream = opts.source.stdin
  const url = RedisUrl.of(opts.redisUrl)
  const pipe = await RespPipe.open(url, { caPem: opts.caPem })
  // If Redis goes away while we wait for input (a slow stdin), stop reading at once.
  pipe.onFailure((err) => stream?.destroy(err))
  const keys = queueKeys(opts.queue, opts.queue)
  const sink = new PushSink(pipe, keys)
  sink.skip = opts.skip ?? 0
  sink.signal = opts.signal
  const stop = () => stream?.destroy()
  opts.signal?.addEventListener('abort', stop, { once: true })
  let bytes = 0
  const totalItems = range ? rangeCount(range) : null
  const tick = opts.onProgress
    ? setInterval(() => opts.onProgress!({ items: sink.added, bytes, totalBytes, totalItems }), 100)
    : undefined
  let skipped = 0
  try {
    if (range) await feedRange(range, sink)
    else {
      const r = await feedStream(stream!, opts.format, sink, {
        skipInvalid: opts.skipInvalid ?? false,
        onBytes: (n) => {
          bytes += n
        },
      })
      skipped = r.skipped
    }
    await sink.finish()
  } catch (err) {
    stream?.destroy()
    if (opts.signal?.aborted) {
      await sink.finish().catch(() => {})
      throw new GridcoreError(
        'INTERRUPTED',
        `the push was stopped; ${sink.acked} items were acknowledged before it`,
        { pushed: sink.acked, read: sink.added },
      )
    }
    if (err instanceof InvalidRecord) {
      await sink.finish().catch(() => {})
      throw new GridcoreError(
        'INPUT',
        `${'file' in opts.source ? opts.source.file : 'input'} ${err.message}; ${sink.acked} items were pushed before it: fix the record or pass --skip-invalid`,
        { pushed: sink.acked },
      )
    }
    const fsErr = err as NodeJS.ErrnoException
    if (fsErr.syscall === 'open' || fsErr.syscall === 'read') {
      throw new GridcoreError(
        'USAGE',
        `cannot read the input (${fsErr.code}): check the file and its permissions`,
        { pushed: sink.acked },
      )
    }
    if (err instanceof GridcoreError) {
      throw new GridcoreError(
        err.code,
        `${err.message} (${sink.acked} items were acknowledged before the failure)`,
        { pushed: sink.acked },
      )
    }
    throw err
  } finally {
    opts.signal?.removeEventListener('abort', stop)
    if (tick) clearInterval(tick)
    await pipe.quit()
  }
  opts.onProgress?.({ items: sink.added, bytes, totalBytes, totalItems })
  const seconds = (performance.now() - started) / 1000
  return {
    queue: opts.queue,
    redis: url.shown,
    pushed: sink.acked,
    skipped,
    seconds: Math.round(seconds * 1000) / 1000,
    rate: Math.round(sink.acked / Math.max(seconds, 1e-6)),
  }
}

export function checkReadable(file: string): number {
  return inputFile(file).size
}

/** An input file that exists, is not a directory and opens for reading: its size, and whether it is a regular file. */
export function inputFile(file: string): { size: number; regular: boolean } {
  try {
    const st = statSync(file)
    if (st.isDirectory())
      throw new GridcoreError('USAGE', `input ${file} is a directory: pass a file, - for stdin, or --range`)
    closeSync(openSync(file, 'r'))
    return { size: st.size, regular: st.isFile() }
  } catch (err) {
    if (err instanceof GridcoreError) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new GridcoreError('USAGE', `input file ${file} does not exist: check the path`)
    throw new GridcoreError('USAGE', `cannot read input file ${file} (${code}): check its permissions`)
  }
}
