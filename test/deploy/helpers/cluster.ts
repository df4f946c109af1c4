// A local cluster per test in its own GRIDCORE_HOME and free ports, driven through the real CLI; whatever a test
// leaves running is stopped after the file (down --purge-data, then any pid still recorded).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { LocalClusterState } from '../../../src/cluster/local.js'
import { paths } from '../../../src/lib/paths.js'
import { alive } from '../../../src/lib/proc.js'
import { type CliResult, runCli } from '../../helpers/cli.js'
import { freePort } from '../../helpers/ports.js'
import { tempDir } from '../../helpers/tmp.js'

const dir = tempDir()
let homes = 0
const clusters: TestCluster[] = []

afterAll(async () => {
  for (const c of clusters) {
    const pids = c.pids()
    if (existsSync(c.p.localClusterJson)) await c.gc(['down', '--purge-data', '--json'])
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
  }
}, 120_000)

export interface TestCluster {
  home: string
  hubPort: number
  redisPort: number
  env: Record<string, string | undefined>
  p: ReturnType<typeof paths>
  gc(args: string[], timeoutMs?: number, extraEnv?: Record<string, string | undefined>): Promise<CliResult>
  /** gridcore up --json on this cluster's ports (process runtime, parallelism 2 unless extra says otherwise). */
  up(extra?: string[]): Promise<CliResult>
  record(): LocalClusterState
  writeRecord(s: LocalClusterState): void
  /** Every pid the record names (for cleanup and checks). */
  pids(): number[]
}

export async function testCluster(extraEnv: Record<string, string | undefined> = {}): Promise<TestCluster> {
  const home = join(dir, `home-${homes++}`)
  const hubPort = await freePort()
  let redisPort = await freePort()
  while (redisPort === hubPort) redisPort = await freePort()
  const p = paths({ GRIDCORE_HOME: home })
  const env = { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined, ...extraEnv }
  const seen = new Set<number>()
  const c: TestCluster = {
    home,
    hubPort,
    redisPort,
    env,
    p,
    gc: (args, timeoutMs = 60_000, more = {}) => runCli(args, { env: { ...env, ...more }, timeoutMs }),
    up: (extra = []) =>
      c.gc([
        'up',
        '--hub-port',
        String(hubPort),
        '--redis-port',
        String(redisPort),
        '--json',
        ...withDefaults(extra),
      ]),
    record: () => JSON.parse(readFileSync(p.localClusterJson, 'utf8')),
    writeRecord: (s) => writeFileSync(p.localClusterJson, JSON.stringify(s)),
    pids: () => {
      if (existsSync(p.localClusterJson)) {
        const s = c.record()
        for (const pid of [s.computehub.pid, s.gridnode?.pid, s.redis?.pid]) if (pid) seen.add(pid)
      }
      return [...seen]
    },
  }
  clusters.push(c)
  return c
}

function withDefaults(extra: string[]): string[] {
  const out = [...extra]
  if (!out.includes('--runtime')) out.push('--runtime', 'process')
  if (!out.includes('--parallelism')) out.push('--parallelism', '2')
  return out
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** Polls until `check` holds (a loaded 2-core machine: generous deadline). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Processes whose command line names `text` (our configs and data dirs are under a unique temp home). */
export function processesNaming(text: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ')
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      if (cmd.includes(text) && !/^\d+ \(.*\) Z/.test(stat)) out.push(Number(name))
    } catch {}
  }
  return out
}
