// A long-running line filter (Hadoop Streaming style): one item per stdin line in, one result per stdout line
// out, in order, as bytes. Knows when the filter died, stopped answering or wrote more lines than it was given,
// and keeps the tail of its stderr (teed to ours) to say why.
import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises'

/** How a batch went: every line answered, or what went wrong and the lines that came before it. */
export type FilterAnswer =
  | { kind: 'answered'; lines: Buffer[] }
  /** It exited with lines.length items answered; unfed: before it was given this batch. */
  | { kind: 'exited'; lines: Buffer[]; reason: string; unfed: boolean }
  | { kind: 'silent'; lines: Buffer[]; reason: string }
  | { kind: 'misaligned'; reason: string }
  /** Output arrived after the batch before was complete (and settled): nothing was written for this one. */
  | { kind: 'late'; reason: string }

const TAIL_BYTES = 4096
const TAIL_LINES = 20

export class LineFilter {
  private readonly child: ChildProcess
  private partial: Buffer[] = []
  private lines: Buffer[] = []
  private lastLineAt = 0
  /** Lines it wrote in its life (a filter that never wrote one and died may not be able to run at all). */
  answered = 0
  private fed = 0
  private stderrTail = Buffer.alloc(0)
  private stderrCut = false
  private waiter?: () => void
  private exitHow?: string
  private readonly closed: Promise<void>

  constructor(command: string, env: NodeJS.ProcessEnv, cwd?: string) {
    this.child = spawn('/bin/sh', ['-c', command], {
      env,
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    this.child.stdout!.on('data', (d: Buffer) => this.onStdout(d))
    this.child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d)
      const all = Buffer.concat([this.stderrTail, d])
      this.stderrCut ||= all.length > TAIL_BYTES
      this.stderrTail = all.subarray(-TAIL_BYTES)
    })
    this.child.stdin!.on('error', () => {})
    this.closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exitHow ??= signal ? `was killed by ${signal}` : `exited with code ${code}`
        resolve()
        this.wake()
      })
      this.child.on('error', (err) => {
        this.exitHow = `could not start: ${err.message}`
        resolve()
        this.wake()
      })
    })
  }

  /** The last lines of what the filter wrote on stderr (at most 20 lines, 4 KB). */
  stderr(): string {
    const lines = this.stderrTail.toString('utf8').trimEnd().split('\n')
    if (this.stderrCut) lines.shift() // the first line is a cut one
    return lines.slice(-TAIL_LINES).join('\n')
  }

  /**
   * Writes the items, one a line, and reads one line each. A filter that writes more lines than it read (extra
   * output waiting when the batch completes, or left over from the batch before) is misaligned: its lines cannot
   * be matched to items. Each answer restarts the clock; no answer within timeoutMs is 'silent'.
   */
  async map(items: Buffer[], timeoutMs: number): Promise<FilterAnswer> {
    if (this.lines.length || this.partial.length) {
      if (!this.fed) return this.misaligned(this.lines.length, 0, 'before it was given any')
      const { reason } = this.misaligned(this.lines.length, 0, 'after its batch was complete')
      return { kind: 'late', reason }
    }
    if (this.exitHow) {
      await this.closed
      return { kind: 'exited', lines: [], reason: this.exitReason(), unfed: true }
    }
    const started = Date.now()
    this.fed++
    this.child.stdin!.write(Buffer.concat(items.flatMap((i) => [i, NL])))
    let deadline = started + timeoutMs
    while (this.lines.length < items.length) {
      if (this.exitHow) {
        await this.closed
        if (this.lines.length >= items.length) break
        return { kind: 'exited', lines: this.lines.splice(0), reason: this.exitReason(), unfed: false }
      }
      const left = deadline - Date.now()
      if (left <= 0) {
        const n = this.lines.length
        return {
          kind: 'silent',
          lines: this.lines.splice(0),
          reason: `the filter wrote ${n} lines for ${items.length} items, then nothing for ${timeoutMs} ms: it hangs on an item, writes no line for some item, or does not flush each line (python3 -u, sed -u, jq --unbuffered, awk with fflush())`,
        }
      }
      const before = this.lines.length
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000))
        this.waiter = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.waiter = undefined
      if (this.lines.length > before) deadline = Date.now() + timeoutMs
    }
    // Wait a moment for output that is still on its way: about two answers' time, at most 100 ms.
    const gap = (this.lastLineAt - started) / items.length
    await (gap >= 1 ? sleep(Math.min(100, 2 * gap)) : tick())
    await tick()
    if (this.lines.length > items.length || this.partial.length)
      return this.misaligned(this.lines.length, items.length, 'for this batch')
    return { kind: 'answered', lines: this.lines.splice(0) }
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
  }

  private exitReason(): string {
    const tail = this.stderr()
    return `the filter ${this.exitHow}${tail ? `: ${tail}` : ' (and wrote nothing on stderr)'}`
  }

  private misaligned(lines: number, items: number, when: string): { kind: 'misaligned'; reason: string } {
    const extra = this.partial.length ? ' and part of another' : ''
    return {
      kind: 'misaligned',
      reason: `the filter wrote ${lines} lines${extra} for ${items} items ${when}: a line filter must write exactly one line per item`,
    }
  }

  private onStdout(d: Buffer): void {
    let start = 0
    for (let nl = d.indexOf(10); nl !== -1; nl = d.indexOf(10, start)) {
      let line = d.subarray(start, nl)
      if (this.partial.length) {
        line = Buffer.concat([...this.partial, line])
        this.partial = []
      } else line = Buffer.from(line)
      this.lines.push(line.length && line[line.length - 1] === 13 ? line.subarray(0, -1) : line)
      this.answered++
      start = nl + 1
    }
    if (start < d.length) this.partial.push(Buffer.from(d.subarray(start)))
    this.lastLineAt = Date.now()
    this.wake()
  }

  private wake(): void {
    this.waiter?.()
  }
}

const NL = Buffer.from('\n')
