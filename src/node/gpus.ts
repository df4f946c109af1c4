// GPUs on a node: how many nvidia-smi lists (none when it is not on PATH), the Docker device request a GPU task's
// containers get, and why a node cannot run a GPU task.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Gpus, TaskConfig } from '../hub/protocol.js'

export interface GpuProbe {
  /** GPUs nvidia-smi listed (0 when it ran but listed none or failed: see `error`). */
  count: number
  /** The nvidia-smi that was run. */
  path: string
  /** Why nvidia-smi did not answer, when it did not. */
  error?: string
}

/** The executable `name` on `PATH`, or undefined. */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, name)
    try {
      if (!statSync(file).isFile()) continue
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** Runs `nvidia-smi -L` (one line per GPU) when it is on PATH; undefined when it is not. */
export function detectGpus(env: NodeJS.ProcessEnv = process.env): GpuProbe | undefined {
  const path = onPath('nvidia-smi', env.PATH)
  if (!path) return undefined
  const r = spawnSync(path, ['-L'], { env, encoding: 'utf8', timeout: 10_000 })
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (`${r.stderr ?? ''}`.trim().split('\n')[0] || `exit code ${r.status}`)
    return { count: 0, path, error: why }
  }
  const count = `${r.stdout}`.split('\n').filter((l) => /^GPU \d+/.test(l.trim())).length
  return { count, path }
}

/** The containers' device request for a task's GPUs: a count, or every GPU (-1). */
export function deviceRequests(gpus: Gpus) {
  return [{ Driver: 'nvidia', Count: gpus === 'all' ? -1 : gpus, Capabilities: [['gpu']] }]
}

const asked = (g: Gpus) => (g === 'all' ? 'all GPUs' : `${g} GPU${g === 1 ? '' : 's'}`)

/**
 * Why this node cannot run the task's GPUs, or null (no GPUs asked, or the node has enough). `nodeGpus` is what
 * nvidia-smi listed (undefined: not found); the process runtime cannot hand a process GPUs at all.
 */
export function gpuRefusal(task: TaskConfig, nodeGpus: number | undefined, runtime: 'docker' | 'process') {
  const g = task.gpus
  if (g === undefined) return null
  const t = `task "${task.task_name}" asks for ${asked(g)}`
  if (runtime === 'process')
    return `${t}, and the process runtime cannot give GPUs to a process: run it on a Docker node with NVIDIA GPUs (their group is gpu), or register it with --image`
  if (!nodeGpus)
    return `${t}, and this node has no GPU (${nodeGpus === undefined ? 'no nvidia-smi on its PATH' : 'nvidia-smi lists none'}): run it on a node with NVIDIA GPUs (their group is gpu)`
  if (g !== 'all' && g > nodeGpus)
    return `${t}, and this node has ${nodeGpus}: ask for at most ${nodeGpus}, or run it on a node with more`
  return null
}
