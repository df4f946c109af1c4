// Facts a local cluster's choices rest on: the upstream binaries installed by gridcore fetch, and whether a
// Docker engine answers (within a bound: a hung socket is no engine). The choices are in local-cluster/choose.ts.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { paths } from '../lib/paths.js'

export type EngineChoice = 'auto' | 'embedded' | 'native'
export type RuntimeChoice = 'auto' | 'docker' | 'process'

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

/** Whether a Docker engine answers its ping and its version call within timeoutMs; else why not (one line). */
export async function dockerStatus(
  timeoutMs = 5_000,
): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock'
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no Docker engine answers at ${where} (no answer within ${timeoutMs} ms)`)),
      timeoutMs,
    )
  })
  try {
    const { connectDocker } = await import('../docker/engine.js')
    const v = await Promise.race([connectDocker().then((d) => d.version()), late])
    return { ok: true, version: v.Version }
  } catch (err) {
    const text = (err as Error).message.replace(/: start Docker.*$/, '')
    return { ok: false, reason: /Docker/.test(text) ? text : `the Docker engine at ${where} failed: ${text}` }
  } finally {
    clearTimeout(timer)
  }
}
