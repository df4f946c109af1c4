// The embedded hub over loopback (startHub in this process): restart persistence, the node sweep with real timers,
// and the socket adapter's limits (header/body time, body size, connection reuse, unproven connection caps).
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { type HubOptions, type RunningHub, startHub } from '../../src/hub/daemon.js'
import { createLogger } from '../../src/lib/logger.js'
import { freePort } from '../helpers/ports.js'
import { tempDir } from '../helpers/tmp.js'
import { hold, raw } from './process.js'

const dir = tempDir()
const TOKEN = 'daemon-token-0123456789'
const AUTH = `Authorization: Bearer ${TOKEN}\r\n`
const hubs: RunningHub[] = []
let n = 0
afterEach(async () => {
  for (const h of hubs.splice(0)) await h.stop()
})

async function start(opts: Partial<HubOptions> = {}, port?: number) {
  const logs: string[] = []
  const hub = await startHub({
    bind: `127.0.0.1:${port ?? (await freePort())}`,
    token: TOKEN,
    stateFile: join(dir, `state-${n++}.json`),
    logger: createLogger({ format: 'json', component: 'hub', secrets: [TOKEN], write: (l) => logs.push(l) }),
    ...opts,
  })
  hubs.push(hub)
  // A connection pool per hub, so a restarted hub never sees its predecessor's sockets.
  const agent = new Agent()
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.url}${path}`, {
      dispatcher: agent,
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined }
  }
  return { hub, call, logs }
}

describe('persistence and the sweep', () => {
  it('keeps the task list, order, statuses and current task across a restart', async () => {
    const stateFile = join(dir, 'restart.json')
    const first = await start({ stateFile })
    for (const name of ['a', 'b', 'c', 'd'])
      await first.call('POST', '/api/tasks', { name, input_queue: `${name}:in` })
    await first.call('POST', '/api/tasks/finish')
    const before = (await first.call('GET', '/api/tasks')).json
    await first.hub.stop()
    hubs.splice(hubs.indexOf(first.hub), 1)
    const again = await start({ stateFile }, first.hub.port)
    expect((await again.call('GET', '/api/tasks')).json).toEqual(before)
    expect(before).toEqual({ current: 'b', pending: ['c', 'd'], completed: ['a'] })
    expect((await again.call('GET', '/api/tasks/current')).json).toEqual({ name: 'b', input_queue: 'b:in' })
    expect((await again.call('POST', '/api/tasks/finish')).json.started).toBe('c')
  })

  it('sweeps nodes whose heartbeats stopped, with their reports, and keeps the ones that beat', async () => {
    const { call } = await start({ nodeTimeoutMs: 400, sweepIntervalMs: 100 })
    const node = { hostname: 'w', architecture: 'x86_64', cpu_count: 1 }
    const quiet = (await call('POST', '/gridnode/register', node)).json.node_id
    const alive = (await call('POST', '/gridnode/register', node)).json.node_id
    const report = {
      task: 't',
      message: 'x',
      exit_code: 2,
      signal: null,
      failed_instances: 1,
      log_path: null,
      at: new Date().toISOString(),
    }
    await call('POST', '/gridnode/heartbeat', {
      node_id: quiet,
      status: 'Error',
      active_containers: 0,
      runtime_error: report,
    })
    const deadline = Date.now() + 1_200
    while (Date.now() < deadline) {
      await call('POST', '/gridnode/heartbeat', { node_id: alive, status: 'Idle', active_containers: 0 })
      await new Promise((r) => setTimeout(r, 100))
    }
    expect((await call('GET', '/api/nodes')).json.map((x: { id: string }) => x.id)).toEqual([alive])
    const back = await call('POST', '/gridnode/heartbeat', {
      node_id: quiet,
      status: 'Idle',
      active_containers: 0,
    })
    expect(back.json).toEqual({ stop_requested: false, reregister: true })
    await call('POST', '/gridnode/register', { ...node, node_id: quiet })
    expect(
      (await call('GET', '/api/nodes')).json.find((x: { id: string }) => x.id === quiet),
    ).not.toHaveProperty('runtime_error')
  })
})

describe('the socket adapter', () => {
  it('closes connections without the token, keeps authorized ones alive', async () => {
    const { hub } = await start()
    const unauth = await raw(hub.port, 'GET /api/tasks HTTP/1.1\r\nHost: h\r\n\r\n', { keepReading: true })
    expect(unauth.status).toBe(401)
    expect(unauth.data).toMatch(/\r\nconnection: close\r\n/i)
    expect(unauth.closed).toBe(true)
    const health = await raw(hub.port, 'GET /health HTTP/1.1\r\nHost: h\r\n\r\n', { keepReading: true })
    expect(health.closed).toBe(true)
    const two = `GET /api/tasks HTTP/1.1\r\nHost: h\r\n${AUTH}\r\nGET /api/nodes HTTP/1.1\r\nHost: h\r\n${AUTH}\r\n`
    const authed = await raw(hub.port, two, { keepReading: true, waitMs: 800 })
    expect(authed.data.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2)
    expect(authed.closed).toBe(false)
  })

  it('answers 401 to a body it will not read, without waiting for the body', async () => {
    const { hub } = await start()
    const t0 = Date.now()
    const r = await raw(
      hub.port,
      'POST /api/tasks HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n{"na',
      {
        keepReading: true,
      },
    )
    expect(r.status).toBe(401)
    expect(r.closed).toBe(true)
    expect(Date.now() - t0).toBeLessThan(2_500)
  })

  it('408 for a body slower than its limit, 413 for one over 2 MB (announced or not), 431 for huge heads', async () => {
    const { hub, call } = await start({ limits: { bodyTimeoutMs: 300 } })
    const head = `POST /api/tasks HTTP/1.1\r\nHost: h\r\n${AUTH}Content-Type: application/json\r\n`
    const slow = await raw(hub.port, [`${head}Content-Length: 50\r\n\r\n{"name":`], { keepReading: true })
    expect(slow.status).toBe(408)
    expect(slow.data).toContain('The request body did not arrive within 0.3 s')
    expect(slow.closed).toBe(true)
    const announced = await raw(hub.port, `${head}Content-Length: ${2 * 1024 * 1024 + 1}\r\n\r\n`, {
      keepReading: true,
    })
    expect(announced.status).toBe(413)
    const chunked = [`${head}Transfer-Encoding: chunked\r\n\r\n`, `300000\r\n${'a'.repeat(0x300000)}\r\n`]
    expect((await raw(hub.port, chunked, { keepReading: true })).status).toBe(413)
    const big = await raw(hub.port, `GET /health HTTP/1.1\r\nHost: h\r\nX: ${'a'.repeat(40_000)}\r\n\r\n`)
    expect(big.status).toBe(431)
    expect((await call('GET', '/api/tasks')).json.current).toBeNull()
  })

  it('closes heads that never finish, and connections that never send a byte, after the header timeout', async () => {
    const { hub } = await start({ limits: { headersTimeoutMs: 500 } })
    const t0 = Date.now()
    const [partial, silent] = await Promise.all([
      raw(hub.port, 'GET /health HTTP/1.1\r\nHost: h\r\n', { waitMs: 5_000, keepReading: true }),
      raw(hub.port, '', { waitMs: 5_000, keepReading: true }),
    ])
    expect(partial.closed).toBe(true)
    expect([408, null]).toContain(partial.status)
    expect(silent.closed).toBe(true)
    expect(Date.now() - t0).toBeLessThan(4_000)
  })

  it('evicts the oldest unproven connections over the cap, never an authorized client', async () => {
    const { hub, call } = await start({ limits: { maxUnproven: 20, maxUnprovenPerAddress: 10, graceMs: 50 } })
    const flood = []
    for (let i = 0; i < 60; i++) flood.push(await hold(hub.port, 'GET /health HTTP/1.1\r\n'))
    await new Promise((r) => setTimeout(r, 200))
    expect((await call('GET', '/api/tasks')).status).toBe(200)
    expect(hub.guard.evicted).toBeGreaterThanOrEqual(50)
    expect(hub.guard.unprovenCount).toBeLessThanOrEqual(10)
    expect(flood.filter((s) => s.destroyed || s.readableEnded).length).toBeGreaterThanOrEqual(40)
    for (const s of flood) s.destroy()
  })
})
