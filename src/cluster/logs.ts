// gridcore logs: instances' output lines as the hub keeps them (nodes send them on heartbeats), by node, task and
// instance; once, or followed through the hub's long poll until stopped.
import type { HubClient } from '../client/hub-client.js'
import type { StoredLogLine } from '../hub/protocol.js'
import { GridcoreError } from '../lib/errors.js'

export interface LogsOptions {
  client: HubClient
  /** Node ids or hostnames (a hostname means every node registered under it). */
  nodes?: string[]
  /** Task names; none: the running tasks (every group's), else every task's logs. */
  tasks?: string[]
  instance?: number
  /** Lines shown first (the last ones kept). */
  tail: number
  /** Keep asking for new lines until `signal` aborts. */
  follow: boolean
  signal: AbortSignal
  onLine(line: StoredLogLine): void
  /** Said once per change: how many lines were lost for what was asked (nodes' and the hub's bounds). */
  onDropped(total: number): void
  /** Diagnostics (which tasks were picked, the hub going away while following). */
  onNote(text: string): void
}

export interface LogsResult {
  lines: number
  dropped: number
  /** The tasks asked about ([]: every task). */
  tasks: string[]
  /** The `after` a later call would continue from. */
  next: number
}

/** How long one follow request may be held by the hub (it caps waits at 30 s). */
const FOLLOW_WAIT_S = 25
const PAGE = 1000

/** Node ids for what the user named: hostnames of registered nodes become their ids, anything else stays. */
async function resolveNodes(client: HubClient, named: string[] | undefined): Promise<string[]> {
  if (!named?.length) return []
  const nodes = await client.listNodes()
  return named.flatMap((n) => {
    if (nodes.some((x) => x.id === n)) return [n]
    const byHost = nodes.filter((x) => x.hostname === n).map((x) => x.id)
    return byHost.length ? byHost : [n]
  })
}

/** The running task of every group (the "current task" of `gridcore logs`). */
async function runningTasks(client: HubClient): Promise<string[]> {
  const list = await client.listTasks()
  const names = [list.current, ...Object.values(list.groups ?? {}).map((g) => g.current)]
  return [...new Set(names.filter((n): n is string => Boolean(n)))]
}

export async function showLogs(o: LogsOptions): Promise<LogsResult> {
  const { client } = o
  let tasks = o.tasks ?? []
  if (!tasks.length) {
    tasks = await runningTasks(client)
    o.onNote(
      tasks.length
        ? `logs of the running task${tasks.length > 1 ? 's' : ''} ${tasks.join(', ')} (--task NAME for another)`
        : 'no task is running: logs of every task the hub kept',
    )
  }
  const nodes = await resolveNodes(client, o.nodes)
  const ask = { tasks, nodes, instance: o.instance }
  let shown = 0
  let dropped = 0
  const take = (lines: StoredLogLine[], lost: number) => {
    for (const l of lines) o.onLine(l)
    shown += lines.length
    if (lost > dropped) o.onDropped(lost)
    dropped = Math.max(dropped, lost)
  }
  // --tail 0: only what comes next (one line is asked for to learn where the hub is, and not shown).
  const first = await client.logs({ ...ask, limit: Math.max(1, o.tail) }).catch((err) => {
    if (err instanceof GridcoreError && err.details?.status === 404)
      throw new GridcoreError(
        'HUB_REJECTED',
        `the hub at ${client.url} keeps no instance logs (an upstream computehub): read them on the nodes`,
        { status: 404 },
      )
    throw err
  })
  take(o.tail ? first.lines : [], first.dropped)
  let next = first.next
  let away = false
  while (o.follow && !o.signal.aborted) {
    try {
      const r = await client.logs({
        ...ask,
        after: next,
        waitS: FOLLOW_WAIT_S,
        limit: PAGE,
        signal: o.signal,
      })
      if (away) o.onNote('the hub answers again')
      away = false
      take(r.lines, r.dropped)
      next = r.next
    } catch (err) {
      if (o.signal.aborted) break
      // A hub restarting or out of reach: keep following (its sequence numbers keep rising across restarts).
      if (!(err instanceof GridcoreError) || err.code !== 'HUB_UNREACHABLE') throw err
      if (!away) o.onNote(`${err.message}; still following`)
      away = true
      await new Promise((r) => setTimeout(r, 1000))
    }
  }
  return { lines: shown, dropped, tasks, next }
}

/** A log line for a terminal: control characters (escape sequences a process printed) shown, not obeyed. */
export function logLineText(l: StoredLogLine, o: { color?: boolean } = {}): string {
  const text = l.text.replace(
    /[\x00-\x08\x0a-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
  const where = `${l.hostname || l.node.slice(0, 8)}/${l.task}#${l.instance}`
  const err = l.stream === 'stderr'
  const tag = err ? (o.color ? '\x1b[31mERR\x1b[0m' : 'ERR') : 'OUT'
  return `${l.at} ${where} ${tag} ${text}`
}
