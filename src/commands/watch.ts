// gridcore watch: progress of a queue until drained (bar on a TTY, NDJSON events otherwise).
import { Flags } from '@oclif/core'
import { openTarget, resolveQueueTarget } from '../cluster/target.js'
import { GridcoreCommand, queueFlags } from '../lib/base-command.js'
import { secondsFlag } from '../lib/flags.js'
import { fmtDuration, fmtInt, fmtRate, interactive, progressLine } from '../lib/progress.js'
import { waitForShutdownSignal } from '../lib/signals.js'
import { type WatchSummary, watchQueue } from '../queue/watch.js'

type Result = WatchSummary & { finished?: unknown }

export default class Watch extends GridcoreCommand<Result> {
  static override summary = 'Watch a queue until it is drained; recovers items of dead consumers as it goes.'
  static override description =
    `Drained means: the input is empty, no consumer holds items, and (where gridcore keeps stats)
done + failed + dead = pushed. On a terminal: a progress bar with items/s, ETA and node health. Otherwise one JSON
progress event per --interval on stdout (on stderr with --json) and a final summary.
Exit codes: 0 drained, 8 stalled (no progress for --stall-timeout), 9 --timeout passed, 130 interrupted.`
  static override examples = [
    '<%= config.bin %> watch',
    '<%= config.bin %> watch --redis URL --queue sqrt:input --timeout 600',
  ]
  static override flags = {
    ...queueFlags,
    interval: secondsFlag({ description: 'seconds between polls', default: 1_000 }),
    'stall-timeout': secondsFlag({
      description: 'fail (exit 8) after this many seconds without progress',
      default: 120_000,
    }),
    timeout: secondsFlag({ description: 'fail (exit 9) after this many seconds in all' }),
    'max-attempts': Flags.integer({
      description: 'deliveries before an item goes to the dead list',
      default: 3,
      min: 1,
    }),
    finish: Flags.boolean({ description: 'finish the hub’s current task once drained', default: false }),
  }

  async run(): Promise<Result> {
    const { flags } = await this.parse(Watch)
    const target = await resolveQueueTarget(flags, () => this.clusterFrom(flags))
    const hubProfile =
      target.profile ?? (flags.finish || flags.cluster || flags.hub ? this.clusterFrom(flags) : undefined)
    const hub = hubProfile ? this.hubClient(hubProfile) : undefined
    const conn = await openTarget(target)
    const bar = progressLine(interactive(this.jsonEnabled()))
    const events = this.jsonEnabled() ? process.stderr : process.stdout
    const ndjson = !interactive(this.jsonEnabled())
    const warned = new Set<string>()
    try {
      const summary: Result = await watchQueue({
        redis: conn.redis,
        output: conn.output,
        keys: conn.keys,
        hub,
        intervalMs: flags.interval,
        stallTimeoutMs: flags['stall-timeout'],
        timeoutMs: flags.timeout,
        maxAttempts: flags['max-attempts'],
        interrupted: waitForShutdownSignal(),
        onProgress: (p) => {
          if (ndjson) events.write(`${JSON.stringify(p)}\n`)
          for (const node of p.nodes_error.filter((id) => !warned.has(id))) {
            warned.add(node)
            const message = `node ${node} reports Error: fix the task's image or command, then run gridcore task finish (or restart the node)`
            if (ndjson) events.write(`${JSON.stringify({ type: 'warning', node, message })}\n`)
            else {
              bar.done()
              this.note(`gridcore: ${message}`)
            }
          }
          const nodes =
            p.nodes_online === null
              ? ''
              : ` · ${p.nodes_online} node(s)${p.nodes_error.length ? `, ${p.nodes_error.length} in Error` : ''}`
          bar.update(
            `${fmtInt(p.done)}/${fmtInt(p.total)} · ${fmtRate(p.rate)} · ETA ${p.eta_s === null ? '?' : fmtDuration(p.eta_s)}${nodes}`,
            p.total ? p.done / p.total : null,
          )
        },
      })
      bar.done()
      if (flags.finish && hub) summary.finished = await hub.finishTask()
      if (ndjson && !this.jsonEnabled())
        process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`)
      else
        this.say(
          `Drained ${summary.queue}: ${fmtInt(summary.done)} done, ${fmtInt(summary.failed)} failed, ${fmtInt(summary.dead)} dead in ${fmtDuration(summary.seconds)}`,
        )
      return summary
    } finally {
      bar.done()
      conn.close()
    }
  }
}
