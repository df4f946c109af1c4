// A one-line progress bar on stderr for terminals; silent under --json and on pipes (it has no colour).

export interface ProgressLine {
  /** A `text` function is called only when the line is drawn (a silent line formats nothing, loads no ICU). */
  update(text: string | (() => string), fraction: number | null): void
  done(): void
}

/** Whether a person watches stderr: not under --json, a TTY, not a dumb terminal, not CI (set at all, as ora sees it). */
export function interactive(json: boolean): boolean {
  return !json && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb' && process.env.CI === undefined
}

export function progressLine(enabled: boolean): ProgressLine {
  if (!enabled) return { update() {}, done() {} }
  let last = 0
  let shown = false
  return {
    update(text, fraction) {
      const now = Date.now()
      if (now - last < 80) return
      last = now
      const width = 24
      const bar =
        fraction === null
          ? ''
          : `[${'#'.repeat(Math.round(Math.min(1, fraction) * width)).padEnd(width, '.')}] ${(Math.min(1, fraction) * 100).toFixed(1).padStart(5)}% `
      const line = `${bar}${typeof text === 'string' ? text : text()}`
      const cols = process.stderr.columns ?? 100
      process.stderr.write(`\r${line.slice(0, cols - 1)}\u001b[K`)
      shown = true
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K')
    },
  }
}
