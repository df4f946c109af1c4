// gridcore build: builds a task's image from its directory through the Docker engine (.dockerignore honoured).
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { GridcoreError } from '../lib/errors.js'
import { connectDocker } from './engine.js'

export interface BuildInput {
  dir: string
  tag: string
  dockerfile?: string
  /** Each line of build output, as it arrives. */
  onLine?: (line: string) => void
}

export interface BuildResult {
  image: string
  id: string | null
  dir: string
  dockerfile: string
  seconds: number
}

export async function buildImage(input: BuildInput): Promise<BuildResult> {
  const started = Date.now()
  const dir = resolve(input.dir)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new GridcoreError(
      'USAGE',
      `build directory ${dir} does not exist: pass --dir with a task directory (gridcore init makes one)`,
    )
  }
  const dockerfile = input.dockerfile ?? 'Dockerfile'
  if (!existsSync(join(dir, dockerfile))) {
    throw new GridcoreError(
      'USAGE',
      `${join(dir, dockerfile)} does not exist: pass --file, or run gridcore init first`,
    )
  }
  if (!/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(input.tag)) {
    throw new GridcoreError('USAGE', `image tag "${input.tag}" is not valid: use e.g. my-task:latest`)
  }
  const docker = await connectDocker()
  const stream = await docker.buildImage(
    { context: dir, src: readdirSync(dir) },
    { t: input.tag, dockerfile, rm: true, forcerm: true },
  )
  const tail: string[] = []
  let id: string | null = null
  let failure: string | undefined
  await new Promise<void>((res, rej) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? rej(err) : res()),
      (event: { stream?: string; error?: string; aux?: { ID?: string } }) => {
        if (event.aux?.ID) id = event.aux.ID
        if (event.error) failure = event.error
        const text = event.stream ?? (event.error ? `${event.error}\n` : '')
        for (const line of text.split('\n')) {
          if (!line.trim()) continue
          tail.push(line)
          if (tail.length > 8) tail.shift()
          input.onLine?.(line)
        }
      },
    )
  }).catch((err: Error) => {
    failure ??= err.message
  })
  if (failure) {
    throw new GridcoreError(
      'CONFIG',
      `the build of ${input.tag} failed: ${failure.trim()} — last lines: ${tail.slice(-4).join(' | ')}`,
    )
  }
  return { image: input.tag, id, dir, dockerfile, seconds: Math.round((Date.now() - started) / 100) / 10 }
}
