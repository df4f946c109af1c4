// gridcore demo: a local cluster (embedded engine, process runtime), 100,000 square roots through the Node
// template's consumer, a summary, and teardown — the tour the README starts with.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hubClient } from '../cluster/connection.js'
import { resolveCluster } from '../cluster/resolve.js'
import type { ShowStep } from '../deploy/local-cluster/bring-up.js'
import { withLocalCluster } from '../deploy/local-cluster/for-run.js'
import { defaultPorts, upSettings } from '../deploy/local-cluster/settings.js'
import { freePortNear } from '../deploy/ports.js'
import type { WatchProgress } from '../queue/watch.js'
import { scaffold } from '../templates/scaffold.js'
import { type RunSummary, runBatch } from './run.js'

export interface DemoResult {
  started_cluster: boolean
  summary: RunSummary
  sample: string[]
}

export async function demo(o: {
  items: number
  installMissing: boolean
  show: ShowStep
  note: (line: string) => void
  onProgress?: (p: WatchProgress) => void
  signal?: AbortSignal
}): Promise<DemoResult> {
  const ports = defaultPorts()
  const hubPort = await freePortNear(ports.hubPort)
  const settings = upSettings({
    engine: 'embedded',
    runtime: 'process',
    redis: 'auto',
    hubPort,
    redisPort: await freePortNear(ports.redisPort, [hubPort]),
    installMissing: o.installMissing,
  })
  const r = await withLocalCluster({ settings, show: o.show, keep: false, note: o.note }, () =>
    squareRoots(o),
  )
  return { started_cluster: r.started_cluster, summary: r.summary, sample: r.sample }
}

async function squareRoots(o: {
  items: number
  onProgress?: (p: WatchProgress) => void
  signal?: AbortSignal
}): Promise<{ summary: RunSummary; sample: string[] }> {
  const work = mkdtempSync(join(tmpdir(), 'gridcore-demo-'))
  try {
    const task = scaffold({ template: 'node', name: 'demo-sqrt', dir: join(work, 'consumer') })
    const profile = resolveCluster('local')
    const output = join(work, 'results.txt')
    const summary = await runBatch(profile, hubClient(profile), {
      what: { consumer: 'node consumer.mjs' },
      source: { range: `1..${o.items}` },
      format: 'lines',
      output,
      outputFormat: 'raw',
      name: `demo-${Date.now()}`,
      stallTimeoutMs: 60_000,
      cwd: task.dir,
      report: { progress: o.onProgress },
      signal: o.signal,
    })
    const sample = readFileSync(output, 'utf8').split('\n').slice(0, 3)
    return { summary: { ...summary, output: null }, sample }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
