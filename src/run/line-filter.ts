// A long-running line filter (Hadoop Streaming style): one item per stdin line in, one result per stdout line
// out, in order, as bytes. The items of a batch go to its stdin in one write and its answers are encoded as they
// are read, straight into the commit's arguments; a batch's answers are read in a few large reads (pacer.ts), not
// a wake-up every few lines. Knows when the filter died, stopped answering or wrote more lines than it was given,
// and keeps the tail of its stderr (teed to ours) to say why.
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { type OnReadOpts, Socket, type SocketConstructorOpts } from 'node:net'
import type { Readable } from 'node:stream'
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises'
import type { RespBulks } from '../redis/resp-bulks.js'
import { openFifo } from './fifo.js'
import { Pacer } from './pacer.js'

/** How a batch went: every line answered, or what went wrong. `lines` answers were added to the sink. */
export type FilterAnswer =
  | { kind: 'answered'; lines: number }
  /** It exited with `lines` items answered; unfed: before it was given this batch. */
  | { kind: 'exited'; lines: number; reason: string; unfed: boolean }
  | { kind: 'silent'; lines: number; reason: string }
  /** Its lines cannot be matched to items; whatever it wrote for the batch was taken back out of the sink. */
  | { kind: 'misaligned'; reason: string }
  /** Output arrived after the batch before was complete (and settled): nothing was written for this one. */
  | { kind: 'late'; reason: string }

const TAIL_BYTES = 4096
const TAIL_LINES = 20
const READ_BUFFER = 64 * 1024
/** How long after its exit a filter's output may still be on its way (longer only when something holds it open). */
const EXIT_GRACE_MS = 200

export class LineFilter {
  private readonly child: ChildProcess
  private partial: Buffer | null = null
  /** Where answers go while a batch runs; null between batches (a line then is a stray one). */
  private sink: RespBulks | null = null
  /** Lines written outside a batch, or beyond its items. */
  private stray = 0
  /** Lines of the running batch. */
  private got = 0
  private want = 0
  private lastLineAt = 0
  /** performance.now() of the last read that brought lines. */
  private lastReadAt = 0
  /** Paces the reads of a FIFO stdout (null for a plain pipe). */
  private pacer: Pacer | null = null
  /** Lines it wrote in its life (a filter that never wrote one and died may not be able to run at all). */
  answered = 0
  private fed = 0
  private stderrTail = Buffer.alloc(0)
  private stderrCut = false
  private waiter?: () => void
  private exitHow?: string
  private readonly closed: Promise<void>
  private readonly stdout: Readable

  constructor(command: string, env: NodeJS.ProcessEnv, cwd?: string) {
    const fifo = openFifo()
    this.child = spawn('/bin/sh', ['-c', command], {
      env,
      cwd,
      stdio: ['pipe', fifo?.write ?? 'pipe', 'pipe'],
      detached: true,
    })
    let stdout: Readable
    if (fifo) {
      closeSync(fifo.write)
      // Read into one reused buffer; pausing this socket really stops reading (a pipe without a reader costs its
      // writer no wake-up), which the pacer relies on.
      const onread: OnReadOpts = {
        buffer: Buffer.allocUnsafe(READ_BUFFER),
        callback: (n, buf) => {
          this.onStdout(buf as Buffer, n)
          return true
        },
      }
      // Node takes onread for any socket; its types have it for connect() only.
      const socket = new Socket({
        fd: fifo.read,
        readable: true,
        writable: false,
        onread,
      } as SocketConstructorOpts)
      this.pacer = new Pacer(socket)
      stdout = socket
    } else {
      stdout = this.child.stdout!
      stdout.on('data', (d: Buffer) => this.onStdout(d, d.length))
    }
    stdout.on('error', () => {})
    this.stdout = stdout
    this.child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d)
      const all = Buffer.concat([this.stderrTail, d])
      this.stderrCut ||= all.length > TAIL_BYTES
      this.stderrTail = all.subarray(-TAIL_BYTES)
    })
    this.child.stdin!.on('error', () => {})
    // Exited once the process is gone and its stderr was read ('close'). A process it left behind (`cmd &`) can
    // hold stderr and stdout open for ever: then the exit itself, EXIT_GRACE_MS later (what it wrote is read by then).
    const exited = new Promise<void>((resolve) => {
      const how = (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitHow ??= signal ? `was killed by ${signal}` : `exited with code ${code}`
        resolve()
      }
      this.child.on('close', how)
      this.child.on('exit', (code, signal) => setTimeout(() => how(code, signal), EXIT_GRACE_MS))
      this.child.on('error', (err) => {
        this.exitHow = `could not start: ${err.message}`
        stdout.destroy()
        resolve()
      })
    })
    // Over when everything it wrote was read (the pipe's last writer closed it), or a moment after its exit.
    const output = new Promise<void>((resolve) => {
      stdout.once('close', () => resolve())
      stdout.once('end', () => resolve())
      void exited.then(() => setTimeout(resolve, EXIT_GRACE_MS))
    })
    this.closed = Promise.all([exited, output]).then(() => this.wake())
    // Its exit is news to a waiting batch even while its output is still being read (and all of it is read now).
    void exited.then(() => {
      this.pacer?.end()
      this.wake()
    })
  }

  /** The last lines of what the filter wrote on stderr (at most 20 lines, 4 KB). */
  stderr(): string {
    const lines = this.stderrTail.toString('utf8').trimEnd().split('\n')
    if (this.stderrCut) lines.shift() // the first line is a cut one
    return lines.slice(-TAIL_LINES).join('\n')
  }

  /**
   * Writes `count` items (`input`: each followed by a newline) and adds one answer per item to `sink`. A filter
   * that writes more lines than it read (extra output waiting when the batch completes, or left over from the
   * batch before) is misaligned: its lines cannot be matched to items. Each answer restarts the clock; no answer
   * within timeoutMs is 'silent'.
   */
  async map(input: Buffer, count: number, sink: RespBulks, timeoutMs: number): Promise<FilterAnswer> {
    if (this.stray || this.partial) {
      if (!this.fed) return this.misaligned(this.stray, 0, 'before it was given any')
      const { reason } = this.misaligned(this.stray, 0, 'after its batch was complete')
      return { kind: 'late', reason }
    }
    if (this.exitHow) {
      await this.closed
      return { kind: 'exited', lines: 0, reason: this.exitReason(), unfed: true }
    }
    const mark = { length: sink.length, count: sink.count }
    const started = Date.now()
    const began = performance.now()
    this.fed++
    this.got = 0
    this.want = count
    this.sink = sink
    this.child.stdin!.write(input)
    this.pacer?.read(count)
    try {
      let deadline = started + timeoutMs
      while (this.got < count) {
        if (this.exitHow) {
          await this.closed
          if (this.got >= count) break
          return { kind: 'exited', lines: this.got, reason: this.exitReason(), unfed: false }
        }
        const left = deadline - Date.now()
        if (left <= 0) {
          return {
            kind: 'silent',
            lines: this.got,
            reason: `the filter wrote ${this.got} lines for ${count} items, then nothing for ${timeoutMs} ms: it hangs on an item, writes no line for some item, or does not flush each line (python3 -u, sed -u, jq --unbuffered, awk with fflush())`,
          }
        }
        // Woken by the last answer or the exit only: answers in between cost no wake-up, and restart the clock.
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 1000))
          this.waiter = () => {
            clearTimeout(t)
            resolve()
          }
        })
        this.waiter = undefined
        if (this.lastLineAt > started) deadline = this.lastLineAt + timeoutMs
      }
      // Wait a moment for output that is still on its way: about two answers' time, at most 100 ms.
      const gap = (this.lastLineAt - started) / count
      await (gap >= 1 ? sleep(Math.min(100, 2 * gap)) : tick())
      await tick()
      if (this.got > count || this.partial) {
        const lines = this.got
        sink.truncate(mark.length, mark.count)
        return this.misaligned(lines, count, 'for this batch')
      }
      this.pacer?.learn(count, this.lastReadAt - began, sink.length - mark.length)
      return { kind: 'answered', lines: count }
    } finally {
      this.sink = null
      this.pacer?.flow()
    }
  }

  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL')
    } catch {}
  }

  async close(): Promise<void> {
    this.child.stdin!.end()
    const t = setTimeout(() => this.kill(), 5_000)
    await this.closed
    clearTimeout(t)
    this.stdout.destroy()
  }

  private exitReason(): string {
    const tail = this.stderr()
    return `the filter ${this.exitHow}${tail ? `: ${tail}` : ' (and wrote nothing on stderr)'}`
  }

  private misaligned(lines: number, items: number, when: string): { kind: 'misaligned'; reason: string } {
    const extra = this.partial ? ' and part of another' : ''
    return {
      kind: 'misaligned',
      reason: `the filter wrote ${lines} lines${extra} for ${items} items ${when}: a line filter must write exactly one line per item`,
    }
  }

  /** `d`'s first `n` bytes were read (d may be a reused buffer: whatever is kept is copied). */
  private onStdout(buf: Buffer, n: number): void {
    const d = n === buf.length ? buf : buf.subarray(0, n)
    this.pacer?.got(n)
    let start = 0
    let lines = 0
    for (let nl = d.indexOf(10); nl !== -1; nl = d.indexOf(10, start)) {
      if (this.partial) {
        this.line(Buffer.concat([this.partial, d.subarray(start, nl)]), 0, this.partial.length + nl - start)
        this.partial = null
      } else this.line(d, start, nl)
      lines++
      start = nl + 1
    }
    if (start < d.length)
      this.partial = this.partial
        ? Buffer.concat([this.partial, d.subarray(start)])
        : Buffer.from(d.subarray(start))
    this.answered += lines
    if (lines) {
      this.lastLineAt = Date.now()
      this.lastReadAt = performance.now()
    }
    if (this.sink && this.got >= this.want) this.wake()
    else if (this.sink) this.pacer?.read(this.want - this.got)
  }

  private line(b: Buffer, start: number, end: number): void {
    if (end > start && b[end - 1] === 13) end-- // CRLF
    if (!this.sink) this.stray++
    else if (this.got++ < this.want) this.sink.add(b, start, end)
  }

  private wake(): void {
    this.waiter?.()
  }
}
