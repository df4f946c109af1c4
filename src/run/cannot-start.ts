// "The task cannot start" (exit 11), told within seconds instead of after the stall timeout: no online node can
// run this kind of task (capabilities), or its instances keep failing on a node before any item is committed
// (the node's runtime_error on GET /api/nodes, with the counters at zero).
import type { NodeInfo, RuntimeErrorReport } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'
import type { PollView } from '../queue/watch.js'
import { capabilityFor, type RunWhat } from './task-spec.js'

/** Failed instances (on all nodes together) that make a task with nothing committed one that cannot start. */
export const FAILED_INSTANCES = 3
/** How long "no node can run it" must hold before it is believed (a node may be registering again). */
const INCAPABLE_FOR_MS = 2_000

type Needs = 'command' | 'image'

const capabilitiesOf = (n: NodeInfo) => n.capabilities ?? ['image']

/** The error when nodes are online and none of them can run this kind of task; undefined otherwise. */
export function incapableNodesError(nodes: NodeInfo[], what: RunWhat | Needs): GridcoreError | undefined {
  const needs = typeof what === 'string' ? what : capabilityFor(what)
  const online = nodes.filter((n) => n.status === 'Online')
  if (!online.length || online.some((n) => capabilitiesOf(n).includes(needs))) return undefined
  const ids = online.map((n) => `${n.id} (${n.hostname})`).join(', ')
  const message =
    needs === 'command'
      ? `the task cannot start: it runs a program (--command/--consumer), and the ${online.length} online node(s), ${ids}, run only container images: start a node that runs processes (gridcore node start --runtime process, or gridcore up for a local cluster), or run a container image with --image`
      : `the task cannot start: it runs a container image (--image), and the ${online.length} online node(s), ${ids}, run only processes: start a node with Docker (gridcore node start --runtime docker), or run a program with --command or --consumer`
  return new GridcoreError('CANNOT_START', message, {
    reason: 'no-capable-node',
    needs,
    nodes: online.map((n) => ({ id: n.id, hostname: n.hostname, capabilities: capabilitiesOf(n) })),
  })
}

/** The reports nodes hold for task `name` now (node id -> its time): an earlier task of that name left them. */
export function staleReports(nodes: NodeInfo[], name: string): Map<string, string> {
  return new Map(nodes.flatMap((n) => (n.runtime_error?.task === name ? [[n.id, n.runtime_error.at]] : [])))
}

/**
 * The watch's check for a task: exit 11 once no online node can run it (for 2 s), or once its instances failed
 * FAILED_INSTANCES times with no item committed. `stale` reports (taken before the task was registered) are an
 * earlier task's of the same name and do not count; no clocks are compared, so a node's skew does not matter.
 */
export function cannotStartCheck(o: {
  task: string
  needs: Needs
  stale?: Map<string, string>
  /** What follows the message (e.g. what became of the task); none when the caller adds its own. */
  after?: string
}): (view: PollView) => GridcoreError | undefined {
  let incapableSince: number | undefined
  const then = o.after ? `; ${o.after}` : ''
  return ({ nodes, snapshot, now }) => {
    if (!nodes) return undefined
    const incapable = incapableNodesError(nodes, o.needs)
    incapableSince = incapable ? (incapableSince ?? now) : undefined
    if (incapable && now - incapableSince! >= INCAPABLE_FOR_MS)
      return new GridcoreError('CANNOT_START', `${incapable.message}${then}`, incapable.details)
    const c = snapshot.stats
    if (c.done! + c.failed! > 0) return undefined
    const failing = nodes.flatMap((n) => {
      const r = n.runtime_error
      return r && r.task === o.task && o.stale?.get(n.id) !== r.at ? [{ node: n, report: r }] : []
    })
    const failed = failing.reduce((a, f) => a + f.report.failed_instances, 0)
    if (failed < FAILED_INSTANCES) return undefined
    const { node, report } = failing.sort((a, b) => b.report.at.localeCompare(a.report.at))[0]!
    return new GridcoreError(
      'CANNOT_START',
      `the task cannot start: its instances keep failing on node ${node.id} (${node.hostname}) before any item is done — ${excerpt(report.message)} (${how(report)}, ${failed} instances failed; log on that node: ${report.log_path ?? 'none'}). ${fixFor(report.message)}${then}`,
      {
        reason: 'instances-failing',
        node: { id: node.id, hostname: node.hostname },
        runtime_error: report,
        failed_instances: failed,
      },
    )
  }
}

/** The first and the last line of an error text ("Traceback … ValueError: x"), or its one line. */
export function excerpt(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  if (lines.length <= 1) return lines[0] ?? '(no output)'
  const last = lines.at(-1)!
  return last.includes(lines[0]!) ? last : `${lines[0]} … ${last}`
}

function how(r: RuntimeErrorReport): string {
  if (r.exit_code !== null) return `exit code ${r.exit_code}`
  if (r.signal) return `killed by ${r.signal}`
  return 'it did not start'
}

/** What to do, from what the error says. */
export function fixFor(message: string): string {
  if (
    /No module named|package is missing|ModuleNotFoundError|ImportError|Cannot find (module|package)/i.test(
      message,
    )
  )
    return 'A package the program needs is missing on that node: install it there (for the Python template: pip install -r requirements.txt, or apt-get install python3-redis) and run again'
  if (/allowed_commands|allow_shell|allow-shell/.test(message))
    return 'The node does not allow this program: change the setting the message names on that node, or run another program'
  if (/ENOENT|not found|No such file/i.test(message))
    return 'A program or file it names does not exist on that node: check the command and its path (relative paths start in the directory you ran from) and run again'
  if (/EACCES|Permission denied/i.test(message))
    return 'Permission denied on that node: check the file’s mode (chmod +x) and owner, and run again'
  return 'Fix what the error says (try the command by hand in the same directory), then run again'
}
