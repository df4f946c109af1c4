// gridcore results: write the output list's bytes to a file or stdout. Draining removes a result only after it
// was written and flushed (fsync for files), under a drain lock whose token every step checks, so an interrupted
// run loses nothing and a drainer that stalled past its lock removes nothing. Into a file it is exactly-once even
// across a kill (drain-journal.ts): the next drain cuts back a batch Redis did not let go of.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { GridcoreError } from '../lib/errors.js'
import { rawPipeLike } from '../redis/client.js'
import type { RespPipe } from '../redis/resp.js'
import { clearJournal, cutBack, JournalWriter, readJournal, writerGone } from './drain-journal.js'
import type { QueueKeys } from './keys.js'
import { Formatter, type ResultFormat } from './result-format.js'
import { fileSink, stdoutSink } from './result-sinks.js'
import { type QueueScripts, queueScripts } from './scripts.js'
import { TailReader } from './tail.js'

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
  /**
   * The drain lock's token, for a caller that drains again and again (run's collector): a lock still held under
   * it (e.g. after a lost connection) is its own. Default: a fresh one.
   */
  lockToken?: string
  /** A raw connection to the same Redis for reading the results (kept by a caller that drains again and again). */
  pipe?: RespPipe
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
/** About this many bytes of results a batch (at least one result): what a drain holds in memory at once. */
const BATCH_BYTES = 8 * 1024 * 1024

export async function collectResults(opts: CollectOptions): Promise<CollectResult> {
  const { redis, keys } = opts
  const batch = opts.batch ?? 20_000
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
  const token = opts.lockToken ?? randomBytes(8).toString('hex')
  const scripts = queueScripts(redis)
  if (opts.out) await settleJournal(redis, keys, scripts, opts.out)
  const locked = await redis.set(keys.collector, token, 'PX', LOCK_MS, 'NX')
  if (locked !== 'OK' && !(opts.lockToken && (await redis.get(keys.collector)) === token)) {
    throw new GridcoreError(
      'USAGE',
      `another gridcore results is draining ${keys.output}: wait for it, or use --peek N to read without draining`,
    )
  }
  const renew = setInterval(() => {
    scripts.renew(keys.collector, token, LOCK_MS).catch(() => {})
  }, LOCK_MS / 3)
  const sink = opts.out ? fileSink(opts.out, opts.overwrite ?? false) : stdoutSink()
  const fmt = new Formatter(opts.format, sink.hadContent)
  let written = 0
  let remaining = 0
  // A batch written to the file whose removal from Redis is not confirmed: its journal stays for the next drain.
  let unsettled = false
  // Batch ids unique to this drain: a caller that drains again under one token (run's collector) must not reuse
  // the id of an earlier drain's batch, or a journal left by a kill would match it and keep a batch Redis still holds.
  const drain = randomBytes(6).toString('hex')
  const journal = opts.out ? new JournalWriter(opts.out) : undefined
  let own: RespPipe | undefined
  try {
    if (!opts.pipe) own = await rawPipeLike(redis)
    const tail = new TailReader(opts.pipe ?? own!, keys.output)
    for (let seq = 0; ; seq++) {
      const oldest = await tail.read(batch, BATCH_BYTES)
      const count = oldest.count
      if (!count) break
      // Raw results are the file's bytes as they are; other formats item by item.
      const bytes = opts.format === 'raw' ? oldest.lines() : fmt.render(oldest.items())
      const id = `${token}:${drain}:${seq}`
      if (opts.out) {
        await journal?.write({ queue: keys.output, batch: id, offset: sink.size(), token })
        unsettled = true
      }
      await sink.write(bytes)
      await sink.flush()
      const left = await scripts.collect(keys, token, count, id)
      if (left === 'lost') {
        unsettled = false
        throw lockLost(keys.output, count, sink.takeBack())
      }
      unsettled = false
      sink.keep()
      remaining = left
      written += count
      opts.onProgress?.(written)
      if (remaining === 0) break
    }
  } finally {
    own?.close()
    clearInterval(renew)
    sink.close()
    journal?.close()
    if (opts.out && !unsettled) {
      clearJournal(opts.out)
      // Nothing left to settle under this token (the next drain of a run's collector records it again).
      await redis.hdel(keys.drains, token).catch(() => {})
    }
    await scripts.renew(keys.collector, token, 0).catch(() => {})
  }
  return { ...base, written, drained: true, remaining }
}

/**
 * Settles the journal a drain into `out` left behind, when its drainer is gone (or is this process): the batch it
 * wrote stays in the file if Redis let go of it, else the file is cut back; the gone drainer's lock is released.
 */
async function settleJournal(
  redis: Redis,
  keys: QueueKeys,
  scripts: QueueScripts,
  out: string,
): Promise<void> {
  const j = readJournal(out)
  if (!j || j.queue !== keys.output) return
  const holder = await redis.get(keys.collector)
  if (!writerGone(j, holder)) return
  if ((await redis.hget(keys.drains, j.token)) !== j.batch) cutBack(out, j.offset)
  if (holder === j.token) await scripts.renew(keys.collector, j.token, 0)
  clearJournal(out)
  await redis.hdel(keys.drains, j.token)
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
