// The hub's live nodes: registration, heartbeats, stop requests, what each can run and why its instances fail.
import { randomUUID } from 'node:crypto'
import {
  CAPABILITIES,
  type Capability,
  type HeartbeatRequest,
  type NodeInfo,
  type RegisterRequest,
  type RuntimeErrorReport,
} from './protocol.js'

/** Failure reports kept per node (one per task; the oldest task's report goes first). */
const MAX_REPORTS_PER_NODE = 32

interface NodeEntry {
  info: NodeInfo
  stopRequested: boolean
  lastSeenMs: number
  /** As the node sent them at registration; undefined for an upstream node. */
  capabilities?: string[]
  /** Latest report per task name. */
  reports: Map<string, RuntimeErrorReport>
  /** The latest report received, for any task. */
  latest?: RuntimeErrorReport
  /** The address its latest register or heartbeat came from (on /api/nodes for gridcore nodes only). */
  address?: string
}

export interface HeartbeatOutcome {
  /** False when the node is not (or no longer) registered. */
  known: boolean
  stopRequested: boolean
  becameError: boolean
  /** A report that differs from the one kept for its task (worth a log line). */
  newReport?: RuntimeErrorReport
}

/** What an upstream node (one that declares nothing) can run: container images only. */
export const UPSTREAM_CAPABILITIES: ReadonlySet<Capability> = new Set(['image'])

export class NodeRegistry {
  private readonly nodes = new Map<string, NodeEntry>()

  constructor(private readonly now: () => number = Date.now) {}

  register(req: RegisterRequest, address?: string): string {
    const id = req.node_id ?? randomUUID()
    const now = this.now()
    const previous = this.nodes.get(id)
    this.nodes.set(id, {
      info: {
        id,
        hostname: req.hostname,
        architecture: req.architecture,
        cpu_count: req.cpu_count,
        last_seen: new Date(now).toISOString(),
        status: 'Online',
        runtime_status: null,
        active_containers: 0,
        // A node that names a group without saying how it got it is taken at its word (explicit).
        ...(req.group ? { group: req.group, group_explicit: req.group_explicit ?? true } : {}),
        ...(req.gpus !== undefined ? { gpus: req.gpus } : {}),
      },
      stopRequested: false,
      lastSeenMs: now,
      ...(req.capabilities ? { capabilities: [...req.capabilities] } : {}),
      // Reports outlive a re-registration; they go when the node is dropped.
      reports: previous?.reports ?? new Map(),
      ...(previous?.latest ? { latest: previous.latest } : {}),
      ...(address ? { address } : {}),
    })
    return id
  }

  /** Where a node's requests come from, when known. */
  addressOf(id: string): string | undefined {
    return this.nodes.get(id)?.address
  }

  /** A registered node's hostname. */
  hostnameOf(id: string): string | undefined {
    return this.nodes.get(id)?.info.hostname
  }

  /** The capabilities the hub serves a node by: declared ones it knows, or ["image"] for upstream/unknown nodes. */
  capabilitiesOf(id: string | undefined): ReadonlySet<Capability> {
    const declared = id === undefined ? undefined : this.nodes.get(id)?.capabilities
    if (!declared) return UPSTREAM_CAPABILITIES
    return new Set(CAPABILITIES.filter((c) => declared.includes(c)))
  }

  /** A registered node's group and whether it was set explicitly; {} for an unknown or upstream node. */
  groupOf(id: string | undefined): { group?: string; explicit?: boolean } {
    const info = id === undefined ? undefined : this.nodes.get(id)?.info
    return info?.group ? { group: info.group, explicit: info.group_explicit ?? true } : {}
  }

  heartbeat(req: HeartbeatRequest, address?: string): HeartbeatOutcome {
    const node = this.nodes.get(req.node_id)
    if (!node) return { known: false, stopRequested: false, becameError: false }
    if (address) node.address = address
    const becameError = req.status === 'Error' && node.info.runtime_status !== 'Error'
    const now = this.now()
    node.lastSeenMs = now
    node.info.last_seen = new Date(now).toISOString()
    node.info.status = 'Online'
    node.info.runtime_status = req.status
    node.info.active_containers = req.active_containers
    const out: HeartbeatOutcome = { known: true, stopRequested: node.stopRequested, becameError }
    const report = req.runtime_error
    if (report) {
      // A null or absent report keeps what was kept: a report only ever replaces a report.
      const kept = node.reports.get(report.task)
      if (!kept || JSON.stringify(kept) !== JSON.stringify(report)) out.newReport = report
      node.reports.delete(report.task)
      node.reports.set(report.task, report)
      node.latest = report
      for (const task of node.reports.keys()) {
        if (node.reports.size <= MAX_REPORTS_PER_NODE) break
        node.reports.delete(task)
      }
    }
    return out
  }

  /** The latest report a node sent for a task, if any. */
  reportFor(id: string, task: string): RuntimeErrorReport | undefined {
    return this.nodes.get(id)?.reports.get(task)
  }

  requestStop(id: string): boolean {
    const node = this.nodes.get(id)
    if (!node) return false
    node.stopRequested = true
    return true
  }

  list(): NodeInfo[] {
    return [...this.nodes.values()].map((n) => ({
      ...n.info,
      ...(n.capabilities ? { capabilities: [...n.capabilities] } : {}),
      ...(n.latest ? { runtime_error: n.latest } : {}),
      // A gridcore node's entry (one that declared capabilities); an upstream node's keeps upstream's shape.
      ...(n.address && n.capabilities ? { address: n.address } : {}),
    }))
  }

  /** Drops nodes (and their reports) whose last heartbeat is older than `timeoutMs`; returns the dropped ids. */
  sweep(timeoutMs: number): string[] {
    const now = this.now()
    const dropped: string[] = []
    for (const [id, node] of this.nodes) {
      if (now - node.lastSeenMs >= timeoutMs) {
        this.nodes.delete(id)
        dropped.push(id)
      }
    }
    return dropped
  }
}
