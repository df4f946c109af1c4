// A local cluster for one run (run --local, demo): the running one, or one brought up for it (the same bring-up
// as gridcore up); after a run that finished, what was started for it is stopped again unless kept. After a run
// that failed it is left running, so the run can be resumed.
import { paths as defaultPaths, type Paths } from '../../lib/paths.js'
import { bringUp, type ShowStep } from './bring-up.js'
import { heldMessage } from './down-report.js'
import type { UpResult } from './result.js'
import type { UpSettings } from './settings.js'
import { teardown } from './teardown.js'

/** Merged into the run's summary. */
export interface LocalRunReport {
  /** This run brought the local cluster up (none was recorded). */
  started_cluster: boolean
  /** And stopped it again afterwards (false with --keep-cluster, or when it did not start it). */
  cluster_stopped: boolean
}

export interface LocalRunOptions {
  settings: UpSettings
  show: ShowStep
  /** --keep-cluster: leave a cluster started for this run running. */
  keep: boolean
  /** A diagnostic line on stderr. */
  note: (line: string) => void
  paths?: Paths
}

export class LocalRun {
  private constructor(
    private readonly o: LocalRunOptions & { paths: Paths },
    readonly up: UpResult,
  ) {}

  /** Brings the cluster up (or finds it running, restarting what died). */
  static async start(o: LocalRunOptions): Promise<LocalRun> {
    const p = o.paths ?? defaultPaths()
    return new LocalRun({ ...o, paths: p }, await bringUp(o.settings, o.show, p))
  }

  get started(): boolean {
    return !this.up.already_running
  }

  /** The run failed: a cluster started for it stays up for the resume, and the user is told. Rethrows. */
  failed(err: unknown): Promise<never> {
    if (this.started)
      this.o.note(
        'gridcore: the local cluster started for this run is left running so the run can be resumed; gridcore down stops it',
      )
    return Promise.reject(err)
  }

  /** The run finished: stop a cluster started for it (deleting only the data its up created) unless kept. */
  async finished(): Promise<LocalRunReport> {
    if (!this.started || this.o.keep) {
      if (this.started)
        this.o.note(
          `gridcore: the local cluster started for this run keeps running (${this.up.hub_url}); gridcore down stops it`,
        )
      return { started_cluster: this.started, cluster_stopped: false }
    }
    const down = await teardown({ purge: 'created' }, this.o.paths)
    const held = heldMessage(down)
    this.o.note(
      held
        ? `gridcore: ${held}`
        : 'gridcore: the local cluster started for this run is stopped again (--keep-cluster keeps it)',
    )
    return { started_cluster: true, cluster_stopped: down.complete }
  }
}

/** `run` on a local cluster for it: LocalRun around one call. */
export async function withLocalCluster<T extends object>(
  o: LocalRunOptions,
  run: () => Promise<T>,
): Promise<T & LocalRunReport> {
  const local = await LocalRun.start(o)
  const out = await run().catch((err) => local.failed(err))
  return { ...out, ...(await local.finished()) }
}
