// A Redis image for Docker-mode tests, built FROM scratch out of this machine's redis-server and the libraries
// ldd lists (no registry is reachable): redis-server at /usr/local/bin, as in the redis:7-alpine image.
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type Docker from 'dockerode'

export const REDIS_TEST_IMAGE = 'gc-test/redis:1'

export async function redisImage(docker: Docker): Promise<string> {
  const have = await docker
    .getImage(REDIS_TEST_IMAGE)
    .inspect()
    .then(
      () => true,
      () => false,
    )
  if (have) return REDIS_TEST_IMAGE
  const bin = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim()
  const libs = [...execFileSync('ldd', [bin], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)].map(
    (m) => m[1]!,
  )
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-redis-img-'))
  const files = [['usr/local/bin/redis-server', bin] as const, ...libs.map((l) => [l.slice(1), l] as const)]
  for (const [inside, host] of files) {
    mkdirSync(join(dir, 'root', dirname(inside)), { recursive: true })
    copyFileSync(realpathSync(host), join(dir, 'root', inside))
  }
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM scratch\nCOPY root/ /\nENTRYPOINT ["/usr/local/bin/redis-server"]\n',
  )
  const stream = await docker.buildImage(
    { context: dir, src: ['Dockerfile', ...files.map(([inside]) => `root/${inside}`)] },
    { t: REDIS_TEST_IMAGE },
  )
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  )
  return REDIS_TEST_IMAGE
}
