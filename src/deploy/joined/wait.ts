// Until a node started in the background says in its log that it registered (its id), or exits (its last
// lines are the reason), or the time is up.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { GridcoreError } from '../../lib/errors.js'
import { alive } from '../../lib/proc.js'
import type { Daemon } from '../procs.js'

export async function waitForRegistration(
  node: Pick<Daemon, 'pid'>,
  log: string,
  since: number,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const lines = readFrom(log, since)
    const id = registeredId(lines)
    if (id) return id
    if (!alive(node.pid)) {
      const why = lastWords(lines)
      throw new GridcoreError(
        'CONFIG',
        `the node exited before it registered${why ? `: ${why}` : ''} (its log: ${log})`,
      )
    }
    if (Date.now() > deadline)
      throw new GridcoreError(
        'HUB_UNREACHABLE',
        `the node (pid ${node.pid}) has not registered within ${Math.round(timeoutMs / 1000)} s; it keeps trying (its log: ${log}); gridcore leave stops it`,
      )
    await delay(100)
  }
}

/** The node id of a "registered with … as node ID" log line (JSON log format), if there is one. */
export function registeredId(lines: string[]): string | undefined {
  for (const line of lines) {
    try {
      const o = JSON.parse(line) as { msg?: string; node?: string }
      if (o.msg?.startsWith('registered with ') && typeof o.node === 'string') return o.node
    } catch {}
  }
  return undefined
}

/** Why a node stopped, from the end of its log: its `gridcore: …` line, else the last error or warning. */
export function lastWords(lines: string[]): string {
  const reversed = [...lines].reverse()
  const said = reversed.find((l) => l.startsWith('gridcore: '))
  if (said) return said.slice('gridcore: '.length)
  for (const line of reversed) {
    try {
      const o = JSON.parse(line) as { level?: string; msg?: string }
      if (o.level === 'error' || o.level === 'warn') return o.msg ?? ''
    } catch {}
  }
  return lines.at(-1)?.slice(0, 300) ?? ''
}

function readFrom(file: string, offset: number): string[] {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return []
  }
  if (size <= offset) return []
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(Math.min(size - offset, 1 << 20))
    const n = readSync(fd, buf, 0, buf.length, offset)
    return buf.toString('utf8', 0, n).split('\n').filter(Boolean)
  } finally {
    closeSync(fd)
  }
}
