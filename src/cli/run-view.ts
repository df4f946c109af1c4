// How `gridcore run` shows itself while it goes, always on stderr: under --json NDJSON lines (phases, progress,
// warnings) like watch's; on a terminal phase lines, a spinner until a node picks the task up, then a bar;
// elsewhere (pipes, CI) the phase lines alone.

import type { WatchProgress } from '../queue/watch.js'
import type { RunEvent, RunReporter } from '../run/events.js'
import { fmtInt } from './format.js'
import { interactive, progressLine } from './progress.js'
import { progressText } from './progress-view.js'
import { type Spinner, spinner } from './spinner.js'

export interface RunView {
  report: RunReporter
  /** Clears the bar and the spinner (before the summary or an error). */
  done(): void
}

export function runView(json: boolean): RunView {
  const tty = interactive(json)
  const bar = progressLine(tty)
  const warned = new Set<string>()
  let spin: Promise<Spinner> | undefined
  const stopSpin = () => {
    spin?.then((s) => s.stop())
    spin = undefined
  }
  const line = (text: string) => {
    bar.done()
    stopSpin()
    process.stderr.write(`gridcore: ${text}\n`)
  }
  const ndjson = (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`)
  return {
    report: {
      phase(e) {
        if (json) return ndjson({ type: 'phase', ...e })
        const text = phaseText(e)
        if (text) line(text)
        if (e.event === 'running' && tty)
          spin = spinner(`waiting for a node to pick up task ${e.task}`, { json })
      },
      progress(p: WatchProgress) {
        // The spinner goes once a node took items; the bar starts on the next event (the spinner clears its line).
        const spinning = spin !== undefined
        if (spinning && (p.done > 0 || p.processing > 0)) stopSpin()
        if (json) ndjson(p)
        for (const node of p.nodes_error.filter((id) => !warned.has(id))) {
          warned.add(node)
          const message = `node ${node} reports Error: see gridcore status for its error; fix the task's command or image`
          if (json) ndjson({ type: 'warning', node, message })
          else line(message)
        }
        if (!spinning) bar.update(() => progressText(p), p.total ? p.done / p.total : null)
      },
    },
    done() {
      bar.done()
      stopSpin()
    },
  }
}

/** One line per phase (none for the ones a terminal shows otherwise). */
export function phaseText(e: RunEvent): string | undefined {
  switch (e.event) {
    case 'registered':
      return `registered task ${e.task}`
    case 'pushing':
      return `pushing items to ${e.queue}`
    case 'pushed':
      return `pushed ${fmtInt(e.items)} items`
    case 'waiting':
      return `waiting for task ${e.behind} to finish first (the hub runs one task at a time; gridcore task list shows the queue)`
    case 'running':
      return `task ${e.task} is running ${fmtInt(e.items)} items`
    case 'redis':
      return e.state === 'lost' ? 'lost the connection to Redis; reconnecting' : 'Redis is back; going on'
    case 'collecting':
      return `collecting the last results${e.output ? ` into ${e.output}` : ''}`
    case 'removing':
      return `removing task ${e.task} and its items`
    case 'note':
      return e.message
  }
}
