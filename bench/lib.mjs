// Shared benchmark helpers: a throwaway redis-server, timed child processes, peak RSS, medians.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BIN = join(ROOT, 'bin', 'run.js')

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export function requireCommand(cmd, pkg) {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) {
    console.error(`bench: ${cmd} is missing; install it (apt-get install ${pkg}) and run again`)
    process.exit(2)
  }
}

/** Starts redis-server on a free loopback port with a password; returns {url, password, port, cli(args), stop()}. */
export async function startRedis({ appendonly = false } = {}) {
  requireCommand('redis-server', 'redis-server')
  const port = await freePort()
  const password = randomBytes(8).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'gridcore-bench-'))
  writeFileSync(
    join(dir, 'redis.conf'),
    `port ${port}\nbind 127.0.0.1\nrequirepass ${password}\ndir ${dir}\nsave ""\nappendonly ${appendonly ? 'yes' : 'no'}\n`,
  )
  const proc = spawn('redis-server', [join(dir, 'redis.conf')], { stdio: 'ignore' })
  const cli = (...args) =>
    spawnSync('redis-cli', ['-p', String(port), '-a', password, '--no-auth-warning', ...args], {
      encoding: 'utf8',
    }).stdout.trim()
  for (let i = 0; i < 100 && cli('ping') !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50))
  return {
    url: `redis://:${password}@127.0.0.1:${port}`,
    password,
    port,
    dir,
    cli,
    async stop() {
      proc.kill('SIGTERM')
      await new Promise((r) => proc.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Runs a command; resolves with wall seconds and peak RSS (MB) read from /proc while it runs. */
export function timed(cmd, args, { stdinFile, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(cmd, args, {
      stdio: [stdinFile ? 'pipe' : 'ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    })
    let stderr = ''
    child.stderr.on('data', (d) => {
      stderr += d
    })
    if (stdinFile) {
      import('node:fs').then(({ createReadStream }) => createReadStream(stdinFile).pipe(child.stdin))
    }
    let peakKb = 0
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
    }, 20)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(poll)
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`))
      else resolve({ seconds, peakMb: peakKb / 1024 })
    })
  })
}

export const fmt = (n, d = 2) => Number(n).toFixed(d)

/** Runs the gridcore CLI synchronously with env; throws on a non-zero exit; returns seconds and parsed JSON. */
export function gridcore(env, cwd) {
  return (...args) => {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', cwd, maxBuffer: 1 << 26 })
    if (r.status !== 0) throw new Error(`gridcore ${args.join(' ')} failed: ${r.stderr}`)
    return { seconds: (performance.now() - t0) / 1000, json: r.stdout.trim() ? JSON.parse(r.stdout) : null }
  }
}

/** The arguments of `gridcore up` for a bench's local cluster: process runtime, 2 instances, free ports, --json. */
export async function upArgs(...extra) {
  const ports = ['--hub-port', String(await freePort()), '--redis-port', String(await freePort())]
  return ['up', ...extra, '--runtime', 'process', '--parallelism', '2', ...ports, '--json']
}
