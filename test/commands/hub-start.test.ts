// `gridcore hub start` as a real process: upstream config file, the skill's curl calls, restart, signals.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
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
})
