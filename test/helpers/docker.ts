// Docker for tests: the engine must answer (tests fail, never skip, without one) and images are built
// FROM scratch out of files on this machine (busybox-static, our own binaries), since no registry is reachable.
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'

export async function requireDocker(): Promise<Docker> {
  const docker = new Docker()
  try {
    await docker.ping()
  } catch (err) {
    throw new Error(
      `no Docker engine answers (${(err as Error).message}): run npm test, whose setup starts dockerd`,
    )
  }
  return docker
}

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p))

/** Builds a FROM scratch image holding busybox, whose entrypoint runs `script` in busybox sh. */
export async function busyboxImage(docker: Docker, tag: string, script: string): Promise<string> {
  if (!BUSYBOX) throw new Error('busybox is missing: apt-get install busybox-static')
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-img-'))
  copyFileSync(BUSYBOX, join(dir, 'busybox'))
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox", "sh", "-c", ${JSON.stringify(script)}]\n`,
  )
  const stream = await docker.buildImage({ context: dir, src: ['Dockerfile', 'busybox'] }, { t: tag })
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  )
  return tag
}

export async function containersOf(docker: Docker, nodeId: string) {
  return docker.listContainers({ all: true, filters: { label: [`io.gridcore.node=${nodeId}`] } })
}
