// gridcore node list with the contribution ledger: each node credited with the items it committed (done) and the
// items that failed on it, for the task it serves now or for one named task; nodes gone since are listed apart.
import type { HubClient, LedgerAnswer } from '../client/hub-client.js'
import type { NodeInfo } from '../hub/protocol.js'
import { DEFAULT_GROUP } from '../hub/scheduler.js'
import { GridcoreError } from '../lib/errors.js'

export interface NodeCredit {
  task: string
  done: number
  failed: number
}

export type NodeRow = NodeInfo & {
  /** What it committed to the task (--task, else the task it serves now); null when unknown. */
  ledger: NodeCredit | null
  /** gridcore hubs: the address its requests come from, and the task its group runs now. */
  address?: string | null
  serving?: string | null
}

export interface NodeListing {
  nodes: NodeRow[]
  /** The task asked about with --task (null: each node's own running task). */
  task: string | null
  /** Ledger entries of nodes the hub no longer lists (they left or were dropped), by task. */
  departed: (NodeCredit & { node: string })[]
  /** Why there are no credits, when there are none (an upstream hub, a task whose queues cannot be read). */
  note: string | null
}

const isStatus = (err: unknown, status: number) =>
  err instanceof GridcoreError && err.details?.status === status

/** The hub's overview nodes, as far as node list needs them. */
interface OverviewNodes {
  nodes: NodeRow[]
}

export async function listNodesWithLedger(
  client: HubClient,
  o: { group?: string; task?: string },
): Promise<NodeListing> {
  const inGroup = (n: NodeInfo) => o.group === undefined || (n.group ?? DEFAULT_GROUP) === o.group
  if (o.task !== undefined) {
    const [nodes, ledger] = await Promise.all([client.listNodes(), ledgerOf(client, o.task)])
    const byNode = new Map(ledger.nodes.map((e) => [e.node, e]))
    const rows = nodes.filter(inGroup).map((n): NodeRow => {
      const e = byNode.get(n.id)
      return {
        ...n,
        ledger: ledger.error ? null : { task: ledger.task, done: e?.done ?? 0, failed: e?.failed ?? 0 },
      }
    })
    const listed = new Set(nodes.map((n) => n.id))
    const departed = ledger.nodes
      .filter((e) => !listed.has(e.node))
      .map((e) => ({ node: e.node, task: ledger.task, done: e.done, failed: e.failed }))
    return { nodes: rows, task: ledger.task, departed, note: ledger.error }
  }
  let view: OverviewNodes
  try {
    view = await client.overview<OverviewNodes>()
  } catch (err) {
    if (!isStatus(err, 404)) throw err
    // An upstream computehub: nodes only.
    const nodes = o.group === undefined ? await client.listNodes() : await client.groupNodes(o.group)
    return {
      nodes: nodes.map((n) => ({ ...n, ledger: null })),
      task: null,
      departed: [],
      note: 'this hub keeps no contribution ledger (not a gridcore hub)',
    }
  }
  const rows = view.nodes.filter(inGroup)
  const departed: NodeListing['departed'] = []
  const listed = new Set(view.nodes.map((n) => n.id))
  const notes: string[] = []
  for (const task of new Set(rows.map((n) => n.serving ?? null).filter((t): t is string => t !== null))) {
    const ledger = await ledgerOf(client, task)
    if (ledger.error) notes.push(ledger.error)
    for (const e of ledger.nodes)
      if (!listed.has(e.node)) departed.push({ node: e.node, task, done: e.done, failed: e.failed })
  }
  return { nodes: rows, task: null, departed, note: notes.length ? notes.join('; ') : null }
}

async function ledgerOf(client: HubClient, task: string): Promise<LedgerAnswer> {
  try {
    return await client.ledger(task)
  } catch (err) {
    if (isStatus(err, 404) && err instanceof GridcoreError && /not found/.test(String(err.details?.body))) {
      throw new GridcoreError('USAGE', `no task named '${task}' on the hub: see gridcore task list`)
    }
    if (isStatus(err, 404))
      throw new GridcoreError('HUB_REJECTED', 'this hub keeps no contribution ledger (not a gridcore hub)', {
        status: 404,
      })
    throw err
  }
}
