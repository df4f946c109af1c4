// Shows named steps while they run, on stderr (never stdout): listr2 on a terminal, one plain line per step
// otherwise (`ok   Start the hub: … (12 ms)`). The steps themselves (gridcore up's) live in deploy/local-cluster.
import type { ShowStep } from '../deploy/local-cluster/bring-up.js'
import { interactive } from './progress.js'

export function stepShower(json: boolean): ShowStep {
  if (interactive(json) && !process.env.NO_COLOR) return listrStep
  return async (title, run, detail) => {
    const t0 = Date.now()
    const value = await run()
    const d = detail?.(value)
    process.stderr.write(`ok   ${title}${d ? `: ${d}` : ''} (${Date.now() - t0} ms)\n`)
    return value
  }
}

const listrStep: ShowStep = async (title, run, detail) => {
  const { Listr } = await import('listr2')
  let value: Awaited<ReturnType<typeof run>> | undefined
  const list = new Listr(
    [
      {
        title,
        task: async (_ctx: unknown, task: { title: string }) => {
          value = await run()
          const d = detail?.(value)
          if (d) task.title = `${title}: ${d}`
        },
      },
    ],
    // Our own SIGINT handling rolls a bring-up back; listr2's would exit at once.
    { exitOnError: true, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
  )
  await list.run()
  return value as Awaited<ReturnType<typeof run>>
}
