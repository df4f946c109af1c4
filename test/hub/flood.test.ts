// An unauthenticated flood (half-sent bodies, half-sent heads) against a real hub process, over HTTP and over its
// HTTPS port: memory stays bounded and /health and authorized calls keep answering.
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, hold, startHubProcess } from './process.js'

const dir = tempDir()
const MB = 1024 * 1024

describe.each(['http', 'https'] as const)('a flood of unauthenticated connections over %s', (scheme) => {
  let hub: HubProcess
  beforeAll(async () => {
    const tls = scheme === 'https' ? await makeTestTls(`${dir}/tls`) : undefined
    hub = await startHubProcess(dir, `flood-${scheme}`, [], tls)
  })
  afterAll(async () => {
    await hub?.stop()
  })

  it('keeps RSS bounded and /health and authorized calls answering', async () => {
    // Warm up the paths the flood and the probes use, then take the baseline.
    for (let i = 0; i < 20; i++) {
      await hub.call('GET', '/health', undefined, false)
      await hub.call('GET', '/api/tasks')
      await hub.call('GET', '/api/tasks', undefined, 'Bearer wrong')
    }
    const before = hub.rssMb()
    const socks: Socket[] = []
    let peak = before
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, hub.rssMb())
      } catch {}
    }, 50)
    const probes: number[] = []
    try {
      const half = Buffer.alloc(MB, 'a')
      const opened = Array.from({ length: 200 }, async (_, i) => {
        // 200 bodies announced at 2 MB and sent halfway, without a token or with a wrong one.
        const auth = i % 2 ? 'Authorization: Bearer not-the-token\r\n' : ''
        const s = await hold(
          hub.port,
          `POST /api/tasks HTTP/1.1\r\nHost: hub\r\n${auth}Content-Type: application/json\r\nContent-Length: ${2 * MB}\r\n\r\n`,
          hub.sock,
        )
        s.write(half)
        socks.push(s)
      })
      const heads = Array.from({ length: 200 }, async () => {
        // 200 heads that never end (slowloris).
        socks.push(
          await hold(hub.port, 'POST /api/tasks HTTP/1.1\r\nHost: hub\r\nContent-Length: 1000\r\n', hub.sock),
        )
      })
      const flood = Promise.all([...opened, ...heads])
      // Probes while the flood arrives and while its sockets are held open.
      const deadline = Date.now() + 4_000
      while (Date.now() < deadline) {
        const t0 = Date.now()
        const [health, list, add] = await Promise.all([
          hub.call('GET', '/health', undefined, false),
          hub.call('GET', '/api/tasks'),
          hub.call('POST', '/api/tasks', { name: `during-${probes.length}`, image: 'x' }),
        ])
        expect(health.status).toBe(200)
        expect(list.status).toBe(200)
        expect(add.status).toBe(201)
        probes.push(Date.now() - t0)
        await new Promise((r) => setTimeout(r, 100))
      }
      await flood
      peak = Math.max(peak, hub.rssMb())
    } finally {
      clearInterval(sampler)
      for (const s of socks) s.destroy()
    }
    const grew = peak - before
    console.log(
      `hub RSS before the flood ${before.toFixed(1)} MB, peak during ${peak.toFixed(1)} MB (+${grew.toFixed(1)} MB); ` +
        `probe latency max ${Math.max(...probes)} ms over ${probes.length} probes`,
    )
    expect(grew).toBeLessThan(100)
    expect(probes.length).toBeGreaterThan(3)
    expect(Math.max(...probes)).toBeLessThan(3_000)
    expect(hub.child.exitCode).toBeNull()
    expect((await hub.call('GET', '/api/tasks')).status).toBe(200)
  }, 60_000)
})
