// `gridcore hub start` as a real process: upstream config file, the skill's curl calls, restart, signals.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import { makeTestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const TOKEN = 'skill-0123456789abcdef0123456789abcdef'
const procs: ChildProcess[] = []
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL')
})

async function startHubProcess(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, 'hub', 'start', ...args], {
    env: { ...process.env, GRIDCORE_HOME: join(dir, 'home'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  procs.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => {
    stdout += d
  })
  child.stderr!.on('data', (d) => {
    stderr += d
  })
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

async function waitHealthy(url: string) {
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return
    } catch {}
    if (Date.now() > deadline) throw new Error('hub did not start')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The IDM-GridCore skill's curl calls, as fetch. */
const api = (url: string) => async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, text: await res.text() }
}

describe('gridcore hub start', () => {
  it('reads computehub.toml, answers the skill’s calls, stops on SIGTERM and keeps tasks over a restart', async () => {
    const port = await freePort()
    const config = join(dir, 'computehub.toml')
    writeFileSync(config, `bind = "127.0.0.1:${port}"\ntoken = "${TOKEN}"\n`)
    const url = `http://127.0.0.1:${port}`
    let hub = await startHubProcess(['--config', config])
    await waitHealthy(url)
    const call = api(url)
    expect(
      await call('POST', '/api/tasks', {
        name: 'sqrt-calc',
        image: 'idm-task:sqrt',
        input_redis: 'redis://:pw@localhost:6379',
        output_redis: 'redis://:pw@localhost:6379',
        input_queue: 'sqrt:input',
        output_queue: 'sqrt:output',
      }),
    ).toEqual({ status: 201, text: '' })
    await call('POST', '/api/tasks', { name: 'second', image: 'x' })
    expect(JSON.parse((await call('GET', '/api/tasks')).text)).toEqual({
      current: 'sqrt-calc',
      pending: ['second'],
      completed: [],
    })
    expect(JSON.parse((await call('GET', '/api/nodes')).text)).toEqual([])
    hub.child.kill('SIGTERM')
    expect(await hub.exited).toBe(0)
    expect(hub.err()).toContain('stopped')
    expect(hub.err()).not.toContain(TOKEN)
    const stateFile = join(dir, 'computehub-state.json')
    expect(existsSync(stateFile)).toBe(true)
    expect(readFileSync(stateFile, 'utf8')).toContain('sqrt-calc')

    hub = await startHubProcess(['--config', config, '--log-format', 'json'])
    await waitHealthy(url)
    expect(JSON.parse((await call('GET', '/api/tasks')).text)).toEqual({
      current: 'sqrt-calc',
      pending: ['second'],
      completed: [],
    })
    const finish = await call('POST', '/api/tasks/finish')
    expect(JSON.parse(finish.text)).toEqual({
      completed: 'sqrt-calc',
      started: 'second',
      message: "Task 'sqrt-calc' completed, 'second' started",
    })
    hub.child.kill('SIGINT')
    expect(await hub.exited).toBe(0)
    const lines = hub
      .err()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.some((l) => l.msg.includes('finished'))).toBe(true)
  })

  it('lets flags override the config, and with --json prints one object once listening', async () => {
    const port = await freePort()
    const config = join(dir, 'other.toml')
    writeFileSync(config, `bind = "127.0.0.1:1"\ntoken = "from-config"\n`)
    const hub = await startHubProcess([
      '--config',
      config,
      '--bind',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--json',
      '--state-file',
      join(dir, 's2.json'),
    ])
    await waitHealthy(`http://127.0.0.1:${port}`)
    expect((await api(`http://127.0.0.1:${port}`)('GET', '/api/tasks')).status).toBe(200)
    await new Promise((r) => setTimeout(r, 100))
    expect(JSON.parse(hub.out())).toMatchObject({
      url: `http://127.0.0.1:${port}`,
      state_file: join(dir, 's2.json'),
    })
    hub.child.kill('SIGTERM')
    expect(await hub.exited).toBe(0)
  })

  it('finds computehub.toml through IDM_GRIDCORE_CONFIG like upstream', async () => {
    const port = await freePort()
    const config = join(dir, 'env.toml')
    writeFileSync(config, `bind = "127.0.0.1:${port}"\ntoken = "${TOKEN}"\n`)
    const hub = await startHubProcess([], { IDM_GRIDCORE_CONFIG: config })
    await waitHealthy(`http://127.0.0.1:${port}`)
    expect((await api(`http://127.0.0.1:${port}`)('GET', '/api/nodes')).status).toBe(200)
    hub.child.kill('SIGTERM')
    expect(await hub.exited).toBe(0)
  })

  it('reports a busy port in one line and exits non-zero', async () => {
    const port = await freePort()
    const a = await startHubProcess([
      '--bind',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--state-file',
      join(dir, 'b1.json'),
    ])
    await waitHealthy(`http://127.0.0.1:${port}`)
    const b = await startHubProcess([
      '--bind',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--state-file',
      join(dir, 'b2.json'),
    ])
    expect(await b.exited).toBe(3)
    expect(b.err().trim().split('\n')).toEqual([
      `gridcore: port ${port} on 127.0.0.1 is already in use: stop what holds it or pass --bind 127.0.0.1:<another port>`,
    ])
    a.child.kill('SIGTERM')
    await a.exited
  })

  it('serves HTTPS on every bind address from tls_* keys (relative to the config), the CA on plain /ca.pem', async () => {
    const tls = await makeTestTls(join(dir, 'tls'))
    const [a, b] = [await freePort(), await freePort()]
    const config = join(dir, 'tls.toml')
    writeFileSync(
      config,
      [
        `bind = "127.0.0.1:${a}"`,
        `token = "${TOKEN}"`,
        'tls_cert = "tls/server.pem"',
        'tls_key = "tls/server-key.pem"',
        'tls_ca = "tls/ca.pem"',
        `also_bind = ["localhost:${b}"]`,
        '',
      ].join('\n'),
    )
    const hub = await startHubProcess(['--config', config, '--json', '--state-file', join(dir, 'tls.json')])
    const agent = new Agent({ connect: { ca: tls.caPem } })
    try {
      const deadline = Date.now() + 10_000
      while (!hub.out()) {
        if (hub.child.exitCode !== null || Date.now() > deadline) throw new Error(hub.err())
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(JSON.parse(hub.out())).toMatchObject({
        url: `https://127.0.0.1:${a}`,
        urls: [`https://127.0.0.1:${a}`, `https://localhost:${b}`],
        tls: true,
        ca_fingerprint: tls.fingerprint,
      })
      for (const url of [`https://127.0.0.1:${a}`, `https://localhost:${b}`]) {
        const res = await undiciFetch(`${url}/api/tasks`, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${TOKEN}` },
        })
        expect(res.status, url).toBe(200)
      }
      const pem = await fetch(`http://localhost:${b}/ca.pem`)
      expect(await pem.text()).toBe(tls.caPem)
      const plain = await fetch(`http://127.0.0.1:${a}/api/tasks`)
      expect(plain.status).toBe(400)
    } finally {
      await agent.close()
      hub.child.kill('SIGTERM')
      expect(await hub.exited).toBe(0)
    }
  })

  it('refuses TLS files that do not belong together, in one line (exit 3), and half the TLS flags (exit 2)', async () => {
    const tls = await makeTestTls(join(dir, 'tls-a'))
    const other = await makeTestTls(join(dir, 'tls-b'))
    const base = [
      '--bind',
      `127.0.0.1:${await freePort()}`,
      '--token',
      TOKEN,
      '--state-file',
      join(dir, 'x.json'),
    ]
    const cases: [string[], number, RegExp][] = [
      [
        ['--tls-cert', tls.paths.cert, '--tls-key', other.paths.key, '--tls-ca', tls.paths.caCert],
        3,
        /^gridcore: the hub key .*server-key\.pem does not fit the certificate .*server\.pem \(.*\): pass the key made with that certificate$/,
      ],
      [
        ['--tls-cert', tls.paths.cert, '--tls-key', tls.paths.key, '--tls-ca', other.paths.caCert],
        3,
        /^gridcore: the hub certificate .*server\.pem is not signed by the CA in .*ca\.pem/,
      ],
      [
        ['--tls-cert', tls.paths.cert, '--tls-key', tls.paths.key, '--tls-ca', tls.paths.cert],
        3,
        /^gridcore: .*server\.pem is not a CA certificate: tls_ca must be the cluster CA \(ca\.pem\)$/,
      ],
      [
        ['--tls-cert', tls.paths.cert, '--tls-key', tls.paths.key, '--tls-ca', join(dir, 'missing.pem')],
        3,
        /^gridcore: cannot read the hub's CA certificate .*missing\.pem \(ENOENT\)/,
      ],
      [
        ['--tls-cert', tls.paths.cert],
        2,
        /^gridcore: HTTPS needs the certificate, its key and the cluster CA together: also pass --tls-key \(tls_key\) and --tls-ca \(tls_ca\)$/,
      ],
    ]
    for (const [args, code, message] of cases) {
      const hub = await startHubProcess([...base, ...args])
      expect(await hub.exited, args.join(' ')).toBe(code)
      const lines = hub.err().trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(message)
    }
  })
})
