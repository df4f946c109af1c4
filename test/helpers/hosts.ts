// The gridcore CLI on the "hosts" of a net lab: each host runs the real CLI in its namespace with a GRIDCORE_HOME
// of its own (the namespaces share the filesystem), and the helpers the multi-host tests share.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BIN } from './cli.js'
import type { NetHost, RunResult } from './netns.js'
import type { Proc } from './procs.js'

export interface CliOnHost extends RunResult {
  /** stdout parsed as JSON, when it is JSON. */
  json: any
}

/** A host of the lab with its own gridcore home. */
export interface GcHost {
  host: NetHost
  home: string
  /** Runs `gridcore ARGS` on the host to completion (killed after timeoutMs). */
  gc(args: string[], o?: { timeoutMs?: number; env?: Record<string, string> }): Promise<CliOnHost>
  /** Starts `gridcore ARGS` on the host (a long run, a foreground node). */
  spawn(args: string[], env?: Record<string, string>): Proc
  /** The record `gridcore join` keeps (state/joined_node.json). */
  joined(): { pid: number; node_id: string; state_dir: string }
  /** The local cluster's record (state/local_cluster.json). */
  cluster(): any
}

export function gcHost(host: NetHost, home: string): GcHost {
  const env = (extra?: Record<string, string>) => ({ GRIDCORE_HOME: home, NO_COLOR: '1', ...extra })
  const state = (f: string) =>
    JSON.parse(readFileSync(join(home, '.config', 'agents', 'skills', 'idm-gridcore', 'state', f), 'utf8'))
  return {
    host,
    home,
    async gc(args, o = {}) {
      const p = host.spawn(process.execPath, [BIN, ...args], env(o.env), '')
      const timer = setTimeout(() => p.child.kill('SIGKILL'), o.timeoutMs ?? 60_000)
      const { code } = await p.exited
      clearTimeout(timer)
      let json: any
      try {
        json = JSON.parse(p.out())
      } catch {}
      return { code, stdout: p.out(), stderr: p.err(), json }
    },
    spawn: (args, extra) => host.spawn(process.execPath, [BIN, ...args], env(extra)),
    joined: () => state('joined_node.json'),
    cluster: () => state('local_cluster.json'),
  }
}

/** Fails with what the command printed unless it exited 0. */
export function ok(r: CliOnHost, what: string): CliOnHost {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`.slice(0, 4000))
  return r
}

/** Per-node counts of `NODE_ID:item` result lines, and the items seen more than once or missing (1..n). */
export function tally(
  lines: string[],
  n: number,
): { perNode: Map<string, number>; dup: number; missing: number } {
  const perNode = new Map<string, number>()
  const seen = new Uint8Array(n + 1)
  let dup = 0
  for (const line of lines) {
    const i = line.lastIndexOf(':')
    const node = line.slice(0, i)
    const item = Number(line.slice(i + 1))
    perNode.set(node, (perNode.get(node) ?? 0) + 1)
    if (seen[item]) dup++
    seen[item] = 1
  }
  let missing = 0
  for (let i = 1; i <= n; i++) if (!seen[i]) missing++
  return { perNode, dup, missing }
}

/** The filter that tags each result with the node that made it (the shell expands NODE_ID: sed stays fast). */
export const TAG_FILTER = 'sed -u "s/^/$NODE_ID:/"'

/** The same, at about 1,000 items/s per instance: a run that lasts long enough to break something in it. */
export const SLOW_TAG_FILTER = `perl -ne 'BEGIN { $| = 1 } select(undef, undef, undef, 0.001); print "$ENV{NODE_ID}:$_"'`
