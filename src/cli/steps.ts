// Runs named steps (listr2 on a terminal, one plain line per step otherwise; stderr, never stdout), and brings a
// local cluster up through them with rollback, for up and run --local.
import { planUp, type UpOptions, type UpResult } from '../deploy/up.js'
import { interactive } from './progress.js'

export interface RunnableStep {
  title: string
  run(): Promise<string | undefined>
}

export async function runSteps(
  steps: RunnableStep[],
  opts: { json: boolean; skipRest?: () => boolean },
): Promise<void> {
  if (interactive(opts.json) && !process.env.NO_COLOR) {
    const { Listr } = await import('listr2')
    const list = new Listr(
      steps.map((st, i) => ({
        title: st.title,
        skip: () => i > 0 && Boolean(opts.skipRest?.()),
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          const detail = await st.run()
          if (detail) task.title = `${st.title}: ${detail}`
        },
      })),
      { exitOnError: true, rendererOptions: { collapseErrors: false } },
    )
    await list.run()
    return
  }
  for (const [i, st] of steps.entries()) {
    if (i > 0 && opts.skipRest?.()) break
    const t0 = Date.now()
    const detail = await st.run()
    process.stderr.write(`ok   ${st.title}${detail ? `: ${detail}` : ''} (${Date.now() - t0} ms)\n`)
  }
}

/** Brings a local cluster up through its steps; a failed step rolls back what the earlier ones started. */
export async function bringUp(o: UpOptions, json: boolean): Promise<UpResult> {
  const plan = planUp(o)
  try {
    await runSteps(plan.steps, { json, skipRest: () => plan.alreadyRunning() })
  } catch (err) {
    await plan.rollback()
    throw err
  }
  return plan.result()
}

/** What `gridcore up` does without flags: auto everything, ports from GRIDCORE_HUB_PORT/GRIDCORE_REDIS_PORT. */
export function localDefaults(env = process.env): UpOptions {
  return {
    engine: 'auto',
    runtime: 'auto',
    redis: 'auto',
    hubPort: Number(env.GRIDCORE_HUB_PORT ?? 8080),
    redisPort: Number(env.GRIDCORE_REDIS_PORT ?? 6379),
    installMissing: false,
  }
}
