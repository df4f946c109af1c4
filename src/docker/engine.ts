// Connects to the Docker engine (dockerode, loaded on demand) with one clear error when there is none.
import type Docker from 'dockerode'
import { GridcoreError } from '../lib/errors.js'

/** The engine from DOCKER_HOST or the default socket; throws a GridcoreError if it does not answer. */
export async function connectDocker(): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode')
  const docker = new Dockerode()
  try {
    await docker.ping()
  } catch (err) {
    throw dockerError(err as NodeJS.ErrnoException)
  }
  return docker
}

export function dockerError(err: NodeJS.ErrnoException & { statusCode?: number }): GridcoreError {
  const where = process.env.DOCKER_HOST ?? '/var/run/docker.sock'
  if (err.code === 'EACCES') {
    return new GridcoreError(
      'CONFIG',
      `permission denied on the Docker engine at ${where}: add your user to the docker group (sudo usermod -aG docker $USER, then log in again)`,
    )
  }
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new GridcoreError(
      'CONFIG',
      `no Docker engine answers at ${where} (${err.code}): start Docker, or use the process runtime (--runtime process)`,
    )
  }
  return new GridcoreError('CONFIG', `the Docker engine at ${where} failed: ${err.message}`)
}

/** Whether an image exists locally. */
export async function hasImage(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect()
    return true
  } catch {
    return false
  }
}

/** Pulls an image, resolving when the pull finished; errors name the image and the fix. */
export async function pullImage(docker: Docker, image: string): Promise<void> {
  try {
    const stream = await docker.pull(image)
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()))
    })
  } catch (err) {
    throw new GridcoreError(
      'CONFIG',
      `image ${image} is not on this machine and could not be pulled (${(err as Error).message.split('\n')[0]}): build it here (gridcore build) or check the name`,
    )
  }
}
