#!/usr/bin/env node
// Installs what the test suite needs on a fresh Debian machine (root): redis-server, redis-tools, python3-redis.
import { execFileSync, spawnSync } from 'node:child_process'

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0
const needed = []
if (!has('redis-server') || !has('redis-cli')) needed.push('redis-server', 'redis-tools')
const pyRedis = spawnSync('/usr/bin/python3', ['-c', 'import redis'], { stdio: 'ignore' }).status === 0
if (!pyRedis) needed.push('python3-redis')

if (needed.length) {
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    console.error(
      `test setup: missing ${needed.join(', ')}; install them (apt-get install ${needed.join(' ')}) and run again`,
    )
    process.exit(1)
  }
  console.log(`test setup: installing ${needed.join(', ')} with apt-get`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...needed], {
    stdio: 'inherit',
    env,
  })
}
console.log('test setup: ready')
