// gridcore results: write the output list to a file or stdout; draining removes an item only after it
// was written and flushed (fsync for files), so an interrupted run loses nothing and repeats at most a batch.
import { randomBytes } from 'node:crypto'
import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs'
import type { Redis } from 'ioredis'
import { GridcoreError } from '../lib/errors.js'
import type { QueueKeys } from './keys.js'
import { withScripts } from './scripts.js'

export type ResultFormat = 'raw' | 'jsonl' | 'csv'

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

interface Sink {
  write(text: string): Promise<void>
  /** Makes what was written durable before Redis forgets it. */
  flush(): Promise<void>
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
  const hadContent = fstatSync(fd).size > 0
  return {
    hadContent,
    async write(text) {
      writeSync(fd, text)
    },
    async flush() {
      fsyncSync(fd)
    },
    close: () => closeSync(fd),
  }
}

function stdoutSink(): Sink {
  return {
    hadContent: false,
    write: (text) =>
      new Promise((resolve, reject) => {
        process.stdout.write(text, (err) => (err ? reject(err) : resolve()))
      }),
    async flush() {},
    close() {},
  }
}

/** Renders results in the chosen format; CSV columns come from the first JSON object. */
class Formatter {
  private columns?: string[]
  constructor(
    private readonly format: ResultFormat,
    private headerDone: boolean,
  ) {}

  render(items: string[]): string {
    let out = ''
    for (const item of items) out += this.line(item)
    return out
  }

  private line(item: string): string {
    if (this.format === 'raw') return `${item}\n`
    let value: unknown
    let parsed = true
    try {
      value = JSON.parse(item)
    } catch {
      parsed = false
    }
    if (this.format === 'jsonl') return `${parsed ? item.trim() : JSON.stringify(item)}\n`
    const isObject = parsed && typeof value === 'object' && value !== null && !Array.isArray(value)
    if (!this.columns) this.columns = isObject ? Object.keys(value as object) : ['result']
    let head = ''
    if (!this.headerDone) {
      head = `${this.columns.map(csvCell).join(',')}\n`
      this.headerDone = true
    }
    if (isObject && this.columns[0] !== 'result') {
      const o = value as Record<string, unknown>
      return `${head}${this.columns.map((c) => csvCell(o[c])).join(',')}\n`
    }
    return `${head}${csvCell(item)}\n`
  }
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export async function collectResults(opts: CollectOptions): Promise<CollectResult> {
  const { redis, keys } = opts
  const batch = opts.batch ?? 5000
  const base = { queue: keys.output, out: opts.out ?? null, format: opts.format }
  if (opts.peek !== undefined) {
    const items = (await redis.lrange(keys.output, -opts.peek, -1)).reverse()
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
  const locked = await redis.set(keys.collector, token, 'PX', 60_000, 'NX')
  if (locked !== 'OK') {
    throw new GridcoreError(
      'USAGE',
      `another gridcore results is draining ${keys.output}: wait for it, or use --peek N to read without draining`,
    )
  }
  const renew = setInterval(() => {
    redis.pexpire(keys.collector, 60_000).catch(() => {})
  }, 20_000)
  const scripts = withScripts(redis)
  const sink = opts.out ? fileSink(opts.out, opts.overwrite ?? false) : stdoutSink()
  const fmt = new Formatter(opts.format, sink.hadContent)
  let written = 0
  let remaining = 0
  try {
    for (;;) {
      const items = await redis.lrange(keys.output, -batch, -1)
      if (!items.length) break
      items.reverse()
      await sink.write(fmt.render(items))
      await sink.flush()
      remaining = await scripts.gcCollect(keys.output, keys.stats, items.length)
      written += items.length
      opts.onProgress?.(written)
      if (remaining === 0) break
    }
  } finally {
    clearInterval(renew)
    sink.close()
    if ((await redis.get(keys.collector)) === token) await redis.del(keys.collector)
  }
  return { ...base, written, drained: true, remaining }
}
