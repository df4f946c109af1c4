// Runs a list of named steps: listr2 on a terminal, one plain line per step otherwise (stderr; never stdout).
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
