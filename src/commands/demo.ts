// gridcore demo: up, 100,000 square roots through the Node template's consumer, a summary, down.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { fmtInt, fmtRate } from '../cli/format.js'
import { interactive, progressLine } from '../cli/progress.js'
import { stepShower } from '../cli/steps.js'
import { shutdownSignal } from '../lib/signals.js'
import { type DemoResult, demo } from '../run/demo.js'

export default class Demo extends GridcoreCommand<typeof Demo> {
  static override summary =
    'See it work: a local cluster, 100,000 square roots through it, a summary, teardown.'
  static override description =
    `Uses a running local cluster if there is one (and leaves it running); otherwise starts one
on the embedded engine with the process runtime (no Docker needed; ports 8080/6379, or GRIDCORE_HUB_PORT and
GRIDCORE_REDIS_PORT, or free ones) and stops it after, deleting the data it made.`
  static override flags = {
    items: Flags.integer({ description: 'how many numbers', default: 100_000, min: 1 }),
    'install-missing': Flags.boolean({
      description: 'install redis-server with apt-get or brew when missing',
      default: false,
    }),
  }

  async run(): Promise<DemoResult> {
    const { flags } = this
    const bar = progressLine(interactive(this.jsonEnabled()))
    const r = await demo({
      items: flags.items,
      installMissing: flags['install-missing'],
      show: stepShower(this.jsonEnabled()),
      note: (line) => this.note(line),
      onProgress: (p) =>
        bar.update(
          `${fmtInt(p.done)}/${fmtInt(p.total)} square roots · ${fmtRate(p.rate)}`,
          p.total ? p.done / p.total : null,
        ),
      signal: shutdownSignal(),
    }).finally(() => bar.done())
    const s = r.summary
    this.say(
      `${fmtInt(s.done)} of ${fmtInt(s.items)} square roots in ${s.seconds}s (${fmtRate(s.rate)}), ${s.failed + s.dead} lost or failed.`,
    )
    this.say(`First results: ${r.sample.join('  ')}`)
    this.say(
      r.started_cluster
        ? 'The demo cluster is stopped again. Next: gridcore up, then gridcore run --help.'
        : 'Your local cluster is still running.',
    )
    return r
  }
}
