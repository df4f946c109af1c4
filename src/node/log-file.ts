// An append-only log file that never grows past its cap: on overflow it keeps the newest part, marked.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs'

export const LOG_CAP = 1024 * 1024
const KEEP = 256 * 1024
const MARK = '[gridcore: earlier output truncated to keep this log under 1 MB]\n'

export class CappedLog {
  private fd: number
  private size: number

  constructor(
    readonly path: string,
    private readonly cap = LOG_CAP,
  ) {
    this.fd = openSync(path, 'a+', 0o644)
    this.size = fstatSync(this.fd).size
  }

  write(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (this.size + buf.length > this.cap) this.shrink(buf.length)
    const data =
      buf.length > this.cap - MARK.length ? buf.subarray(buf.length - (this.cap - MARK.length)) : buf
    writeSync(this.fd, data)
    this.size += data.length
  }

  close(): void {
    closeSync(this.fd)
  }

  /** Keeps the newest KEEP bytes behind the marker. */
  private shrink(incoming: number): void {
    const keep = Math.max(0, Math.min(KEEP, this.size, this.cap - MARK.length - incoming))
    const tail = Buffer.alloc(keep)
    if (keep) readSync(this.fd, tail, 0, keep, this.size - keep)
    ftruncateSync(this.fd, 0)
    writeSync(this.fd, MARK)
    if (keep) writeSync(this.fd, tail)
    this.size = MARK.length + keep
  }
}
