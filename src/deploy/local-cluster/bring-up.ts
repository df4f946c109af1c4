// The one bring-up path of a local cluster (gridcore up, run --local, demo) as named steps: look at what is
// recorded, then start a new cluster (rolled back if a step fails or SIGINT/SIGTERM arrives), restart the parts
// that died, finish an interrupted up, or do nothing.
import { type LocalClusterState, localCaPem, readLocalCluster } from '../../cluster/local.js'
import { type PartName, sameProcess } from '../../cluster/local-processes.js'
import { loadProfile } from '../../cluster/profiles.js'
import { LOCAL } from '../../cluster/resolve.js'
import { GridcoreError } from '../../lib/errors.js'
import { paths as defaultPaths, type Paths } from '../../lib/paths.js'
import { stopDaemon } from '../procs.js'
import { choose, describeChoice } from './choose.js'
import { configure, recordedContext, type UpContext, withClusterTls } from './context.js'
import { heldMessage } from './down-report.js'
import { clusterHealth } from './health.js'
import { type JoinMade, joinString } from './join-token.js'
import { listenMismatch } from './listen.js'
import { planUp, type UpPlan } from './plan.js'
import { checkPorts } from './preflight.js'
import { partOf } from './record.js'
import { type UpResult, upResult } from './result.js'
import type { UpSettings } from './settings.js'
import { interrupted, startHub, startNode } from './start-daemons.js'
import { startRedis } from './start-redis.js'
import { teardown } from './teardown.js'

/** Shows one named step while it runs (listr2 on a terminal, a plain line otherwise); `detail` says how it went. */
export type ShowStep = <T>(
  title: string,
  run: () => Promise<T>,
  detail?: (value: T) => string | undefined,
) => Promise<T>

const LABEL: Record<PartName, string> = { redis: 'Redis', hub: 'the hub', node: 'the node' }
const START = { redis: startRedis, hub: startHub, node: startNode } as const

export async function bringUp(s: UpSettings, show: ShowStep, p: Paths = defaultPaths()): Promise<UpResult> {
  const startedAt = Date.now()
  const stop = interruptions()
  // Every step checks for SIGINT/SIGTERM when it ends; steps that wait check while they wait.
  const step: ShowStep = async (title, run, detail) => {
    const v = await show(title, run, detail)
    if (stop.signal.aborted) throw interrupted()
    return v
  }
  try {
    const plan = await step('Look for a running local cluster', () => look(p), describePlan)
    const recorded = plan.kind === 'nothing' || plan.kind === 'repair' ? readLocalCluster(p) : undefined
    const mismatch = recorded && listenMismatch(recorded, s.listen)
    if (mismatch) throw new GridcoreError('CONFIG', mismatch)
    if (plan.kind === 'redo') {
      const r = await step('Stop what an interrupted gridcore up started', () =>
        teardown({ purge: 'created' }, p),
      )
      const held = heldMessage(r)
      if (held) throw new GridcoreError('CONFIG', held)
    }
    let restarted: PartName[] = []
    if (plan.kind === 'repair') restarted = await repair(plan, s, p, stop.signal, step)
    if (plan.kind === 'fresh' || plan.kind === 'redo') await fresh(s, p, stop.signal, step)
    let state = readLocalCluster(p)!
    const join = state.listen
      ? await step(
          'Make the join string for other machines',
          () => joinFor(state, p),
          (j) => (j.minted ? `a new node token "${j.token_name}"` : `node token "${j.token_name}" kept`),
        )
      : undefined
    state = readLocalCluster(p)!
    const alreadyRunning = plan.kind === 'nothing' || plan.kind === 'repair'
    return upResult(state, {
      alreadyRunning,
      restarted,
      stateFile: p.localClusterJson,
      startedAt,
      now: Date.now(),
      join: join?.join,
    })
  } finally {
    stop.dispose()
  }
}

async function look(p: Paths): Promise<UpPlan> {
  const state = readLocalCluster(p)
  const settled = state && state.status !== 'starting' && state.status !== 'stopping'
  const by = state?.status === 'starting' ? state.started_by : undefined
  const upRuns = Boolean(by && by.pid !== process.pid && sameProcess(by))
  return planUp(state, settled ? await clusterHealth(state) : undefined, upRuns)
}

function describePlan(plan: UpPlan): string {
  if (plan.kind === 'fresh') return 'none'
  if (plan.kind === 'nothing') return 'it runs: nothing to do'
  if (plan.kind === 'redo') return 'an interrupted gridcore up left one half-started'
  return `${plan.restart.map((n) => LABEL[n]).join(', ')} ${plan.restart.length > 1 ? 'are' : 'is'} not running: restarting`
}

async function fresh(s: UpSettings, p: Paths, signal: AbortSignal, step: ShowStep): Promise<void> {
  const choice = await step('Choose engine, runtime and Redis', () => choose(s), describeChoice)
  await step(
    'Check ports',
    () => checkPorts(s, choice),
    (d) => d,
  )
  try {
    let ctx = await step(
      'Write configuration',
      async () => configure(s, choice, p, signal),
      () => p.upstreamConfigDir,
    )
    if (ctx.listen?.tls) {
      const plain = ctx
      ctx = await step(
        'Make the cluster CA and certificates',
        () => withClusterTls(plain),
        (c) =>
          `CA ${c.tls!.fingerprint} (${c.tls!.caCreated ? 'new' : 'kept with the data'}), server certificate for ${c.listen!.advertise}`,
      )
    }
    await step(
      'Start Redis',
      () => startRedis(ctx, { restart: false }),
      (d) => d,
    )
    await step(
      'Start the hub',
      () => startHub(ctx),
      (d) => d,
    )
    await step(
      'Start the node',
      () => startNode(ctx),
      (d) => d,
    )
    await step(
      'Save the cluster for agents',
      async () => markRunning(ctx),
      (d) => d,
    )
  } catch (err) {
    // Roll back: stop what started, delete what this up created (data kept from an earlier cluster stays).
    if (readLocalCluster(p)) await teardown({ purge: 'created' }, p)
    if (err instanceof GridcoreError && err.code === 'INTERRUPTED')
      throw new GridcoreError(
        'INTERRUPTED',
        'gridcore up was interrupted: what it had started is stopped again',
      )
    throw err
  }
}

/** Restarts the dead parts in order, keeping token, password, data and task list; no rollback (the rest runs). */
async function repair(
  plan: Extract<UpPlan, { kind: 'repair' }>,
  s: UpSettings,
  p: Paths,
  signal: AbortSignal,
  step: ShowStep,
): Promise<PartName[]> {
  const ctx = recordedContext(readLocalCluster(p)!, s, p, signal)
  for (const name of plan.stopFirst) {
    const rec = partOf(ctx.record.state, name)!
    // It does not answer: a short grace, then SIGKILL.
    await step(`Stop ${LABEL[name]}, which does not answer`, () =>
      stopDaemon({ pid: rec.pid!, started: rec.started, cmdline: rec.cmdline ?? '' }, 3_000),
    )
  }
  for (const name of plan.restart) {
    const title = `Restart ${LABEL[name]}`
    await step(
      title,
      () => START[name](ctx, { restart: true }),
      (d) => d,
    )
  }
  await step(
    'Save the cluster for agents',
    async () => markRunning(ctx),
    (d) => d,
  )
  return plan.restart
}

/** The join string of a listening cluster, through its hub on this machine with the admin token. */
async function joinFor(state: LocalClusterState, p: Paths): Promise<JoinMade> {
  const profile = loadProfile(LOCAL, p)
  if (!profile || !state.listen || !state.join_token_file)
    throw new GridcoreError(
      'CONFIG',
      `the local cluster's profile or join token file is missing: run gridcore down (it keeps the data), then gridcore up --listen again`,
    )
  return joinString({
    listen: state.listen,
    hubPort: state.computehub.port ?? Number(new URL(state.computehub.url).port),
    hubUrl: state.computehub.url,
    adminToken: profile.token,
    caPem: localCaPem(state),
    tokenFile: state.join_token_file,
    fingerprint: state.tls?.ca_fingerprint,
  })
}

function markRunning(ctx: UpContext): string {
  ctx.record.update((st) => ({ ...st, status: 'running', started_by: undefined }))
  return ctx.paths.localClusterJson
}

/** SIGINT/SIGTERM abort the bring-up (a second one exits at once: the record lets down clean up). */
function interruptions(): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController()
  const on = (sig: NodeJS.Signals) => {
    if (ctl.signal.aborted) process.exit(130)
    ctl.abort(sig)
  }
  process.on('SIGINT', on)
  process.on('SIGTERM', on)
  return {
    signal: ctl.signal,
    dispose: () => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
    },
  }
}
