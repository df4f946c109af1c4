// Several "hosts" on one machine for multi-host tests: Linux network namespaces joined by veth pairs to a bridge
// that lives in a namespace of its own (the root namespace is never touched), addresses in a private /24.
// Names carry the creating process's pid, so concurrent runs never collide and leftovers of a crashed run
// (whose pid is gone) are removed by the next run. Everything is removed after the file, also when it failed.
import { spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { type Proc, start } from './procs.js'

/** Every namespace these tests make starts with this, then `-<creator pid>-<run id>-`. */
export const NETNS_PREFIX = 'gcn'

export interface NetHost {
  /** The test's name for the host, e.g. 'a'. */
  name: string
  /** The network namespace. */
  ns: string
  /** Its address on the lab's /24 (interface eth0). */
  addr: string
  /** Starts `cmd args` on this host (`ip netns exec`), output captured, killed after the file. */
  spawn(cmd: string, args: string[], env?: Record<string, string | undefined>, input?: string): Proc
  /** Runs a command on this host to completion. */
  run(cmd: string, args: string[], env?: Record<string, string | undefined>): Promise<RunResult>
  /** Cuts the host off the network (eth0 down) / puts it back. */
  partition(): void
  heal(): void
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface NetLab {
  id: string
  /** e.g. 10.37.201.0/24 */
  subnet: string
  hosts: Record<string, NetHost>
  /** Kills every process in the lab's namespaces and removes them (idempotent). */
  destroy(): void
}

function ip(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.error || r.status !== 0) {
    throw new Error(`ip ${args.join(' ')} failed: ${(r.error?.message ?? r.stderr).trim()}`)
  }
  return r.stdout
}

/** Network namespaces whose names start with `prefix`. */
export function listNamespaces(prefix = `${NETNS_PREFIX}-`): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0]!.trim())
    .filter((n) => n.startsWith(prefix))
}

/** Kills what runs in a namespace (only our own namespaces ever get here) and removes it. */
function removeNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? ''
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch {}
  }
  spawnSync('ip', ['netns', 'del', ns])
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes namespaces left by test runs whose process is gone; returns their names. */
export function removeStaleNetLabs(): string[] {
  const stale = listNamespaces().filter((ns) => {
    const pid = Number(ns.split('-')[1])
    return Number.isInteger(pid) && pid > 0 && !pidAlive(pid)
  })
  for (const ns of stale) removeNamespace(ns)
  return stale
}

/** Makes one namespace per host name (lower-case letters/digits, ≤ 6 chars), wired to one bridge. */
export function createNetLab(hostNames: string[]): NetLab {
  for (const h of hostNames) {
    if (!/^[a-z][a-z0-9]{0,5}$/.test(h) || h === 'sw') throw new Error(`bad host name "${h}" for a net lab`)
  }
  removeStaleNetLabs()
  const id = `${NETNS_PREFIX}-${process.pid}-${randomBytes(2).toString('hex')}`
  const net = `10.${randomInt(16, 250)}.${randomInt(1, 250)}`
  const sw = `${id}-sw`
  const made: string[] = []
  const lab: NetLab = {
    id,
    subnet: `${net}.0/24`,
    hosts: {},
    destroy() {
      for (const ns of made.splice(0).reverse()) removeNamespace(ns)
    },
  }
  try {
    ip(['netns', 'add', sw])
    made.push(sw)
    ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge', 'forward_delay', '0'])
    ip(['-n', sw, 'link', 'set', 'br0', 'up'])
    hostNames.forEach((name, i) => {
      const ns = `${id}-${name}`
      const addr = `${net}.${i + 10}`
      ip(['netns', 'add', ns])
      made.push(ns)
      ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      ip(['-n', sw, 'link', 'add', `p${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
      ip(['-n', sw, 'link', 'set', `p${i}`, 'master', 'br0', 'up'])
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0'])
      ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
      lab.hosts[name] = host(name, ns, addr)
    })
  } catch (err) {
    lab.destroy()
    throw new Error(
      `cannot make network namespaces for the multi-host tests (they need root and iproute2): ${(err as Error).message}`,
    )
  }
  return lab
}

function host(name: string, ns: string, addr: string): NetHost {
  const spawnIn = (cmd: string, args: string[], env?: Record<string, string | undefined>, input?: string) =>
    start('ip', ['netns', 'exec', ns, cmd, ...args], env, input)
  return {
    name,
    ns,
    addr,
    spawn: spawnIn,
    async run(cmd, args, env) {
      const p = spawnIn(cmd, args, env)
      const { code } = await p.exited
      return { code, stdout: p.out(), stderr: p.err() }
    },
    partition: () => void ip(['-n', ns, 'link', 'set', 'eth0', 'down']),
    heal: () => void ip(['-n', ns, 'link', 'set', 'eth0', 'up']),
  }
}

const live = new Set<NetLab>()
process.once('exit', () => {
  for (const lab of live) lab.destroy()
})

/** A lab for the whole test file: made before its tests (failing them if it cannot be), removed after. */
export function useNetLab(hostNames: string[]): { lab: NetLab } {
  const ctx = {} as { lab: NetLab }
  beforeAll(() => {
    ctx.lab = createNetLab(hostNames)
    live.add(ctx.lab)
  })
  afterAll(() => {
    ctx.lab?.destroy()
    if (ctx.lab) live.delete(ctx.lab)
  })
  return ctx
}
