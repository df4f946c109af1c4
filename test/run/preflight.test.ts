// The cluster check before a run registers: Redis is opened while the hub is asked, yet the hub's verdict comes
// first, and a Redis connection the hub's failure made useless is closed (real redis-server, dead ports).
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { HubClient } from '../../src/client/hub-client.js'
import { GridcoreError } from '../../src/lib/errors.js'
import { RedisUrl } from '../../src/redis/url.js'
import { checkCluster } from '../../src/run/preflight.js'
import { sleep } from '../helpers/procs.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()
const what = { command: 'cat', itemTimeoutMs: 30_000 }

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as { port: number }
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err as GridcoreError,
  )

describe('checkCluster', () => {
  it('with the hub and Redis both down, says the hub (exit 4), and the Redis failure is not left unhandled', async () => {
    // A hub that hangs up only after 300 ms: Redis has failed long before the hub's verdict comes.
    const slow = createServer((socket) => setTimeout(() => socket.destroy(), 300))
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r))
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const hub = new HubClient({
        url: `http://127.0.0.1:${(slow.address() as { port: number }).port}`,
        token: 't',
      })
      const redis = RedisUrl.parse(`redis://127.0.0.1:${await deadPort()}`)
      const err = await failure(checkCluster(hub, redis, what, {}))
      expect(err).toBeInstanceOf(GridcoreError)
      expect(err?.code).toBe('HUB_UNREACHABLE')
      await sleep(50)
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      slow.close()
    }
  })

  it('with the hub down and Redis up, says the hub and closes the Redis connection it opened', async () => {
    const clients = async () =>
      String(await t.r.client('LIST'))
        .trim()
        .split('\n').length
    const before = await clients()
    const hub = new HubClient({ url: `http://127.0.0.1:${await deadPort()}`, token: 't' })
    const err = await failure(checkCluster(hub, RedisUrl.parse(t.redis.url), what, {}))
    expect(err?.code).toBe('HUB_UNREACHABLE')
    // Opened (a local Redis answers in milliseconds) and closed again.
    await sleep(500)
    expect(await clients()).toBe(before)
  })
})
