// gridcore watch: progress of a queue until drained (bar on a TTY, NDJSON events otherwise).
import { Flags } from '@oclif/core'
import { QueueCommand } from '../cli/cluster-command.js'
import { durationFlag } from '../cli/flags.js'
import { fmtDuration, fmtInt } from '../cli/format.js'
import { progressView } from '../cli/progress-view.js'
import { shutdownSignal } from '../lib/signals.js'
import type { OpenRedisOptions } from '../redis/client.js'
import { type WatchResult, watchTask } from '../run/watch-task.js'

export default class Watch extends QueueCommand<typeof Watch> {
  static override summary = 'Watch a queue until it is drained; recovers items of dead consumers as it goes.'
  static override description =
    `Drained means: nothing waits (input, suspects), no consumer holds items, and (where gridcore keeps stats)
done + failed + dead = pushed; without counters, also the output unchanged for 5 s and every node's instances idle
(BRPOP consumers hold items no list shows). On a terminal: a progress bar with items/s, ETA and node health. Otherwise one JSON
progress event per --interval on stdout (on stderr with --json) and a final summary. A lost Redis is reconnected to for
--redis-retry.
Exit codes: 0 drained, 7 Redis gone longer than --redis-retry, 8 stalled (no progress for --stall-timeout), 9 --timeout
passed, 11 the current task cannot start (no node can run it, or its instances keep failing before any item is done:
the node's error is in the message), 130 interrupted.
Durations: 500ms, 30s, 2m, 1h (a bare number is seconds).`
  static override examples = [
    '<%= config.bin %> watch',
    '<%= config.bin %> watch --redis URL --queue sqrt:input --timeout 10m',
  ]
  static override flags = {
    interval: durationFlag({ description: 'time between polls', default: '1s' }),
    'stall-timeout': durationFlag({
      description: 'fail (exit 8) after this long without progress',
      default: '2m',
    }),
    timeout: durationFlag({ description: 'fail (exit 9) after this long in all' }),
    'redis-retry': durationFlag({
      description: 'keep reconnecting to a lost Redis this long before giving up (exit 7)',
      default: '30s',
    }),
    'max-attempts': Flags.integer({
      description: 'deliveries before an item goes to the dead list',
      default: 3,
      min: 1,
    }),
    finish: Flags.boolean({ description: 'finish the hub’s current task once drained', default: false }),
  }

  protected override redisOptions(): OpenRedisOptions {
    return { reconnectForMs: this.flags['redis-retry'] }
  }

  async run(): Promise<WatchResult> {
    const { flags } = this
    const target = await this.target()
    const hub = target.profile || flags.finish || this.clusterNamed() ? this.hub() : undefined
    const view = progressView(this.jsonEnabled(), (line) => this.note(line))
    try {
      const summary = await watchTask({
        target,
        conn: await this.queues(),
        hub,
        intervalMs: flags.interval,
        stallTimeoutMs: flags['stall-timeout'],
        timeoutMs: flags.timeout,
        redisRetryMs: flags['redis-retry'],
        maxAttempts: flags['max-attempts'],
        finish: flags.finish,
        signal: shutdownSignal(),
        note: (line) => this.note(line),
        onProgress: (p) => view.onProgress(p),
      })
      view.done()
      if (view.ndjson && !this.jsonEnabled())
        process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`)
      else
        this.say(
          `Drained ${summary.queue}: ${fmtInt(summary.done)} done, ${fmtInt(summary.failed)} failed, ${fmtInt(summary.dead)} dead in ${fmtDuration(summary.seconds)}`,
        )
      return summary
    } finally {
      view.done()
    }
  }
}
