// A one-line progress bar on stderr for terminals; silent under --json, pipes and NO_COLOR-free by design.

export interface ProgressLine {
  update(text: string, fraction: number | null): void
  done(): void
}

export function interactive(json: boolean): boolean {
  return !json && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb' && !process.env.CI
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
      const line = `${bar}${text}`
      const cols = process.stderr.columns ?? 100
      process.stderr.write(`\r${line.slice(0, cols - 1)}\u001b[K`)
      shown = true
    },
    done() {
      if (shown) process.stderr.write('\r\u001b[K')
    },
  }
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')

export function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`
  return `${perSecond.toFixed(0)}/s`
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`
  const m = Math.floor(seconds / 60)
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
