// Which engine and runtime a local cluster uses: upstream binaries when installed (and Docker runs), else
// gridcore's embedded hub and node; Docker containers when an engine answers, else local processes.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GridcoreError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'

export type EngineChoice = 'auto' | 'embedded' | 'native'
export type RuntimeChoice = 'auto' | 'docker' | 'process'

/** This package's CLI entry, for starting embedded daemons as `node bin/run.js hub start …`. */
export const GRIDCORE_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface NativeBinaries {
  computehub: string
  gridnode: string
  version: string | null
}

export function installedBinaries(env = process.env): NativeBinaries | undefined {
  const dir = paths(env).binDir
  const computehub = join(dir, 'computehub')
  const gridnode = join(dir, 'gridnode')
  if (!existsSync(computehub) || !existsSync(gridnode)) return undefined
  let version: string | null = null
  try {
    version =
      (JSON.parse(readFileSync(join(dir, 'versions.json'), 'utf8')) as { version?: string }).version ?? null
  } catch {}
  return { computehub, gridnode, version }
}

export async function dockerAnswers(): Promise<boolean> {
  try {
    const { connectDocker } = await import('../docker/engine.js')
    await connectDocker()
    return true
  } catch {
    return false
  }
}

/**
 * runtime auto: the node runs command tasks as processes and image tasks as containers (when Docker answers).
 * engine auto: the upstream binaries when installed and the runtime is docker (the upstream gridnode runs only
 * containers), else gridcore's embedded hub and node.
 */
export async function resolveEngine(
  engine: EngineChoice,
  runtime: RuntimeChoice,
): Promise<{
  engine: 'embedded' | 'native'
  runtime: 'docker' | 'process' | 'auto'
  docker: boolean
  binaries?: NativeBinaries
}> {
  const docker = runtime === 'process' ? false : await dockerAnswers()
  if (runtime === 'docker' && !docker) {
    throw new GridcoreError(
      'CONFIG',
      'no Docker engine answers: start Docker, or use --runtime process (items run as local processes)',
    )
  }
  const binaries = installedBinaries()
  if (engine === 'native') {
    if (!binaries)
      throw new GridcoreError(
        'CONFIG',
        'the upstream binaries are not installed: run gridcore fetch, or use --engine embedded',
      )
    if (runtime !== 'docker') {
      throw new GridcoreError(
        'CONFIG',
        'the upstream gridnode runs only Docker containers: pass --runtime docker, or use --engine embedded',
      )
    }
    return { engine: 'native', runtime, docker, binaries }
  }
  if (engine === 'auto' && binaries && runtime === 'docker')
    return { engine: 'native', runtime, docker, binaries }
  return { engine: 'embedded', runtime, docker }
}
