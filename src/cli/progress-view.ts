// How watch and run show a queue's progress: a bar on a terminal, NDJSON events otherwise; a node in Error once.
import type { WatchProgress } from '../queue/watch.js'
import { fmtDuration, fmtInt, fmtRate } from './format.js'
import { interactive, progressLine } from './progress.js'

/** "1,000/2,000 · 5.0k/s · ETA 3.0s · 2 node(s), 1 in Error" */
export function progressText(p: WatchProgress): string {
  const eta = p.eta_s === null ? '?' : fmtDuration(p.eta_s)
  const errors = p.nodes_error.length ? `, ${p.nodes_error.length} in Error` : ''
  const nodes = p.nodes_online === null ? '' : ` · ${p.nodes_online} node(s)${errors}`
  return `${fmtInt(p.done)}/${fmtInt(p.total)} · ${fmtRate(p.rate)} · ETA ${eta}${nodes}`
}

export interface ProgressView {
  /** True when progress goes out as NDJSON events (no terminal, or --json). */
  ndjson: boolean
  onProgress(p: WatchProgress): void
  /** Clears the bar (before printing anything else). */
  done(): void
}

/** Events go to stdout, or to stderr under --json (stdout then holds only the summary). */
export function progressView(json: boolean, note: (line: string) => void): ProgressView {
  const bar = progressLine(interactive(json))
  const events = json ? process.stderr : process.stdout
  const ndjson = !interactive(json)
  const warned = new Set<string>()
  return {
    ndjson,
    onProgress(p) {
      if (ndjson) events.write(`${JSON.stringify(p)}\n`)
      for (const node of p.nodes_error.filter((id) => !warned.has(id))) {
        warned.add(node)
        const message = `node ${node} reports Error: fix the task's image or command, then run gridcore task finish (or restart the node)`
        if (ndjson) events.write(`${JSON.stringify({ type: 'warning', node, message })}\n`)
        else {
          bar.done()
          note(`gridcore: ${message}`)
        }
      }
      bar.update(() => progressText(p), p.total ? p.done / p.total : null)
    },
    done: () => bar.done(),
  }
}
