#!/usr/bin/env node
// Installs and starts what the test suite needs on a fresh Debian machine (root): redis-server, redis-tools,
// python3-redis, docker.io + busybox-static, the templates' linters (flake8; cargo + rustfmt when cargo fmt is
// missing), chromium (the hub's status page in a headless browser), and a Docker engine (dockerd with vfs, no iptables/bridge) when none answers. Exits non-zero when it cannot: Docker tests must fail, never skip.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, openSync } from 'node:fs'
import { request } from 'node:http'

const has = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0
const needed = []
if (!has('redis-server') || !has('redis-cli')) needed.push('redis-server', 'redis-tools')
if (spawnSync('/usr/bin/python3', ['-c', 'import redis'], { stdio: 'ignore' }).status !== 0)
  needed.push('python3-redis')
if (!has('dockerd') || !existsSync('/usr/sbin/runc')) needed.push('docker.io')
if (!existsSync('/bin/busybox') && !existsSync('/usr/bin/busybox')) needed.push('busybox-static')
// The status page tests drive Debian's Chromium through playwright-core (test/hub/page.test.ts).
if (!existsSync('/usr/bin/chromium')) needed.push('chromium')
// The templates' linters (test/templates/lint.test.ts).
if (!has('flake8')) needed.push('flake8')
if (spawnSync('cargo', ['fmt', '--version'], { stdio: 'ignore' }).status !== 0)
  needed.push(...(has('cargo') ? [] : ['cargo']), 'rustfmt')

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

const SOCKET = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '')
const ping = () =>
  new Promise((resolve) => {
    const req = request({ socketPath: SOCKET, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.end()
  })

if (!(await ping())) {
  if (process.getuid?.() !== 0) {
    console.error(`test setup: no Docker engine answers at ${SOCKET} and only root can start one here`)
    process.exit(1)
  }
  const root = '/var/lib/gridcore-test-docker'
  mkdirSync(root, { recursive: true })
  const log = openSync(`${root}.log`, 'a')
  console.log(`test setup: starting dockerd (vfs storage, host networking) on ${SOCKET}; log ${root}.log`)
  const d = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      `--data-root=${root}/data`,
      `--exec-root=${root}/exec`,
      `--pidfile=${root}/dockerd.pid`,
      `--host=unix://${SOCKET}`,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  )
  d.unref()
  const deadline = Date.now() + 60_000
  while (!(await ping())) {
    if (Date.now() > deadline || d.exitCode !== null) {
      console.error(`test setup: dockerd did not come up; see ${root}.log`)
      process.exit(1)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}
console.log('test setup: ready (redis-server, python3-redis, flake8, cargo fmt, Docker engine)')
