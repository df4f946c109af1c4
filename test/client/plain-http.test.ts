// HubClient over node:http (http hubs): a refused connection, a hub that never answers and a cancelled long poll
// each end as the one error they were before, against real sockets.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../src/client/hub-client.js'
import { freePort } from '../helpers/ports.js'

const silent = createServer(() => {}) // takes requests and never answers
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
afterAll(() => {
  silent.closeAllConnections()
  silent.close()
})

describe('HubClient over node:http', () => {
  it('a refused connection is HUB_UNREACHABLE naming the code', async () => {
    const c = new HubClient({ url: `http://127.0.0.1:${await freePort()}`, token: 't' })
    const err = await c.listTasks().catch((e) => e)
    expect(err).toMatchObject({ code: 'HUB_UNREACHABLE' })
    expect(err.message).toMatch(/cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)
  })

  it('no answer in time is HUB_UNREACHABLE saying so', async () => {
    const c = new HubClient({ url: silentUrl, token: 't', timeoutMs: 300 })
    const t0 = Date.now()
    const err = await c.listTasks().catch((e) => e)
    expect(err).toMatchObject({ code: 'HUB_UNREACHABLE' })
    expect(err.message).toContain('(no answer within 300 ms)')
    expect(Date.now() - t0).toBeLessThan(5_000)
  })

  it("the caller's signal ends a long poll at once as INTERRUPTED", async () => {
    const c = new HubClient({ url: silentUrl, token: 't' })
    const stop = new AbortController()
    const poll = c.currentTask('linux/amd64', 'n1', { waitS: 30, signal: stop.signal }).catch((e) => e)
    setTimeout(() => stop.abort(), 100)
    expect(await poll).toMatchObject({ code: 'INTERRUPTED' })
  })
})
