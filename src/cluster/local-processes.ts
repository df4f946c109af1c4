// Whether the processes state/local_cluster.json records still run (pid + start time, else command line), and
// the `local` block gridcore status shows: each recorded process alive or gone, and what the local node may run.
import { GridcoreError } from '../lib/errors.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'
import { alive, cmdlineOf, startTimeOf } from '../lib/proc.js'
import { type LocalClusterState, type ProcessRecord, readLocalCluster } from './local.js'

export type PartName = 'redis' | 'hub' | 'node'

/**
 * True when the recorded pid still runs the process that was recorded: the same start time where the OS tells it
 * (an exec keeps it, a reused pid does not), else the same command line.
 */
export function sameProcess(r: Pick<ProcessRecord, 'pid' | 'started' | 'cmdline'>): boolean {
  if (!r.pid || !alive(r.pid)) return false
  const started = startTimeOf(r.pid)
  if (r.started && started) return started === r.started
  return r.cmdline !== undefined && cmdlineOf(r.pid) === r.cmdline
}

/** The record's processes in the order up starts them; Redis only when gridcore manages it. */
export function recordedParts(
  state: LocalClusterState,
): { name: PartName; rec: ProcessRecord | undefined }[] {
  return [
    { name: 'redis', rec: state.redis?.managed ? state.redis : undefined },
    { name: 'hub', rec: state.computehub },
    { name: 'node', rec: state.gridnode },
  ]
}

export interface LocalProcess {
  name: PartName
  pid: number | null
  /** starting: up recorded it but had not started it yet; not-managed: an existing Redis gridcore does not run. */
  state: 'alive' | 'gone' | 'starting' | 'not-managed'
  log_path: string | null
}

export interface LocalBlock {
  state_file: string
  status: 'starting' | 'running' | 'stopping'
  processes: LocalProcess[]
  /** The command that brings gone processes back (or finishes an interrupted up), when one is needed. */
  fix: string | null
  allowed_commands: string[] | null
  /** Said once in text: e.g. that the local node runs any command. */
  note: string | null
}

/** Pure: one recorded process and whether it runs. */
export function describeProcess(name: PartName, rec: ProcessRecord | undefined, runs: boolean): LocalProcess {
  const pid = rec?.pid ?? null
  const state = !rec ? 'not-managed' : !pid ? 'starting' : runs ? 'alive' : 'gone'
  return { name, pid, state, log_path: rec?.log_path ?? null }
}

/** Pure: the block from a record and the processes' states. */
export function localBlockOf(
  state: LocalClusterState,
  processes: LocalProcess[],
  stateFile: string,
): LocalBlock {
  const status = state.status ?? 'running'
  const broken = processes.some((p) => p.state === 'gone' || p.state === 'starting')
  const allowed = state.gridnode?.allowed_commands ?? null
  return {
    state_file: stateFile,
    status,
    processes,
    fix: status === 'stopping' ? 'gridcore down' : broken || status === 'starting' ? 'gridcore up' : null,
    allowed_commands: allowed,
    note: allowed?.includes('*')
      ? `local node runs any command (allowed_commands = ${JSON.stringify(allowed)})`
      : null,
  }
}

/** The `local` block for gridcore status: null when no local cluster is recorded. */
export function localBlock(p: Paths = defaultPaths()): LocalBlock | null {
  const state = readLocalCluster(p)
  if (!state) return null
  const processes = recordedParts(state).map(({ name, rec }) =>
    describeProcess(name, rec, rec ? sameProcess(rec) : false),
  )
  return localBlockOf(state, processes, p.localClusterJson)
}

/** A hub that does not answer, explained by the local record when it shows gone processes (for status). */
export function explainUnreachable(err: unknown, block: LocalBlock | null): unknown {
  if (!(err instanceof GridcoreError) || !block?.fix) return err
  const said = err.message.replace(/[.:;]?\s*$/, '')
  if (block.status === 'stopping')
    return new GridcoreError(
      err.code,
      `${said}; the last gridcore down of the local cluster did not finish: run gridcore down again (it says what is left)`,
      { ...err.details, local: block },
    )
  const gone = block.processes.filter((p) => p.state === 'gone' || p.state === 'starting')
  if (!gone.length) return err
  const what = gone.map((p) => `${p.name}${p.pid ? ` (pid ${p.pid})` : ''}`).join(', ')
  return new GridcoreError(
    err.code,
    `${said}; the local cluster's ${what} ${gone.length > 1 ? 'are' : 'is'} gone: ${block.fix} restarts ${gone.length > 1 ? 'them' : 'it'}`,
    { ...err.details, local: block },
  )
}
