// A long-running line filter (Hadoop Streaming style): one item per stdin line in, one result per stdout
// line out, in order. Knows when the filter died or stopped answering.
import { type ChildProcess, spawn } from 'node:child_process'

export class FilterFailed extends Error {}

export class LineFilter {
  private readonly child: ChildProcess
  private buffered = ''
  private lines: string[] = []
  private waiter?: () => void
  private exitReason?: string

  constructor(command: string, env: NodeJS.ProcessEnv, cwd?: string) {
    this.child = spawn('/bin/sh', ['-c', command], {
      env,
      cwd,
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    })
    this.child.stdout!.setEncoding('utf8')
    this.child.stdout!.on('data', (d: string) => {
      this.buffered += d
      const parts = this.buffered.split('\n')
      this.buffered = parts.pop()!
      for (const p of parts) this.lines.push(p.endsWith('\r') ? p.slice(0, -1) : p)
      this.waiter?.()
    })
    this.child.stdin!.on('error', () => {})
    this.child.on('exit', (code, signal) => {
      this.exitReason = `the filter exited (${signal ?? `code ${code}`})`
      this.waiter?.()
    })
    this.child.on('error', (err) => {
      this.exitReason = `the filter could not start: ${err.message}`
      this.waiter?.()
    })
  }

  /** Sends the items and reads one line per item; throws FilterFailed when it dies or takes too long. */
  async map(items: string[], timeoutMs: number): Promise<string[]> {
    if (this.exitReason) throw new FilterFailed(this.exitReason)
    this.child.stdin!.write(`${items.join('\n')}\n`)
    const out: string[] = []
    let deadline = Date.now() + timeoutMs
    while (out.length < items.length) {
      if (this.lines.length) {
        const take = this.lines.splice(0, items.length - out.length)
        out.push(...take)
        deadline = Date.now() + timeoutMs // each answer restarts the clock
        continue
      }
      if (this.exitReason) throw new FilterFailed(this.exitReason)
      const left = deadline - Date.now()
      if (left <= 0)
        throw new FilterFailed(
          `the filter gave no answer within ${timeoutMs} ms (is its output line-buffered? e.g. python3 -u, sed -u, jq --unbuffered, awk with fflush())`,
        )
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000))
        this.waiter = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.waiter = undefined
    }
    return out
  }

  kill(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL')
    } catch {}
  }

  async close(): Promise<void> {
    this.child.stdin!.end()
    const exited = new Promise<void>((r) => (this.exitReason ? r() : this.child.once('exit', () => r())))
    const t = setTimeout(() => this.kill(), 5_000)
    await exited
    clearTimeout(t)
  }
}
