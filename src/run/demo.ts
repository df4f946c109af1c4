// gridcore demo: a local cluster (embedded engine, process runtime), 100,000 square roots through the Node
// template's consumer, a summary, and teardown — the tour the README starts with.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hubClient } from '../cluster/connection.js'
import { readLocalCluster } from '../cluster/local.js'
import { resolveCluster } from '../cluster/resolve.js'
import { down } from '../deploy/down.js'
import { freePortNear } from '../deploy/ports.js'
import { planUp, type Step } from '../deploy/up.js'
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
  runSteps: (steps: Step[], skipRest: () => boolean) => Promise<void>
  onProgress?: (p: WatchProgress) => void
  interrupted?: Promise<unknown>
}): Promise<DemoResult> {
  const started = !readLocalCluster()
  if (started) {
    const plan = planUp({
      engine: 'embedded',
      runtime: 'process',
      redis: 'auto',
      hubPort: await freePortNear(Number(process.env.GRIDCORE_HUB_PORT ?? 8080)),
      redisPort: await freePortNear(Number(process.env.GRIDCORE_REDIS_PORT ?? 6379)),
      installMissing: o.installMissing,
    })
    try {
      await o.runSteps(plan.steps, () => plan.alreadyRunning())
    } catch (err) {
      await plan.rollback()
      throw err
    }
  }
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
      onProgress: o.onProgress,
      interrupted: o.interrupted,
    })
    const sample = readFileSync(output, 'utf8').split('\n').slice(0, 3)
    return { started_cluster: started, summary: { ...summary, output: null }, sample }
  } finally {
    rmSync(work, { recursive: true, force: true })
    if (started) await down({ keepData: false })
  }
}
