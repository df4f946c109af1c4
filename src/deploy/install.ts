// --install-missing: installs redis-server with the system package manager (apt-get or brew).
import { spawnSync } from 'node:child_process'
import { GridcoreError } from '../lib/errors.js'
import { findRedisServer } from './redis-launcher.js'

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0

export function installRedis(log: (line: string) => void = () => {}): string {
  let steps: string[][]
  if (process.platform === 'darwin' && has('brew')) steps = [['brew', 'install', 'redis']]
  else if (has('apt-get')) {
    const sudo = process.getuid?.() === 0 ? [] : has('sudo') ? ['sudo', '-n'] : null
    if (!sudo)
      throw new GridcoreError(
        'CONFIG',
        'installing redis-server needs root: run as root, or install it yourself (sudo apt-get install redis-server)',
      )
    steps = [
      [...sudo, 'apt-get', 'update', '-qq'],
      [...sudo, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'redis-server'],
    ]
  } else {
    throw new GridcoreError(
      'CONFIG',
      'no supported package manager (apt-get, brew) found: install redis-server yourself',
    )
  }
  for (const argv of steps) {
    log(`running ${argv.join(' ')}`)
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' })
    if (r.status !== 0) {
      throw new GridcoreError(
        'CONFIG',
        `${argv.join(' ')} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`,
      )
    }
  }
  const bin = findRedisServer()
  if (!bin)
    throw new GridcoreError('CONFIG', 'redis-server is still missing after the install: install it yourself')
  return bin
}
