// gridcore runs: the runs this machine started (state/runs/<task>.json), newest first, and how to go on with each.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { ago, fmtInt } from '../cli/format.js'
import { table } from '../cli/table.js'
import { type RunListing, runListings } from '../run/records/listing.js'
import { runsDir } from '../run/records/store.js'

export default class Runs extends GridcoreCommand<typeof Runs> {
  static override summary =
    'List the runs started here: status, counts, output, and the command that carries each on.'
  static override description =
    `Each gridcore run writes state/runs/<task>.json when it registers its task and updates
it on every way out. Status: running (its gridcore run is alive; "CLI gone" when it died), done, partial (some items
failed or are dead: retry them with gridcore run --retry TASK), interrupted (Ctrl-C, stalled, timed out, Redis or hub
lost: resume with gridcore run --resume TASK), failed (removed: bad input, nothing to run, cannot start), cancelled.`
  static override flags = {
    limit: Flags.integer({ description: 'show the newest N', default: 20, min: 1 }),
  }

  async run(): Promise<{ runs: RunListing[]; unreadable: string[] }> {
    const all = runListings()
    const runs = all.runs.slice(0, this.flags.limit)
    if (!runs.length) this.say(`No runs recorded in ${runsDir()}.`)
    else {
      this.say(
        table(
          ['TASK', 'STATUS', 'ITEMS', 'DONE', 'FAILED', 'DEAD', 'STARTED', 'OUTPUT'],
          runs.map((r) => [
            r.task,
            r.status === 'running' && r.cli_alive === false ? 'running (CLI gone)' : r.status,
            fmtInt(r.counts.items),
            fmtInt(r.counts.done),
            fmtInt(r.counts.failed),
            fmtInt(r.counts.dead),
            ago(r.started),
            r.output ?? 'stdout',
          ]),
        ),
      )
      for (const r of runs.filter((x) => x.next)) this.say(`${r.task}: ${r.next}`)
    }
    for (const f of all.unreadable) this.note(`gridcore: ${f} is not a run record (move it aside)`)
    return { runs, unreadable: all.unreadable }
  }
}
