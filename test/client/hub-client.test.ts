// HubClient against the embedded hub over loopback, and against a hub that answers like upstream's (no extra route).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { HubClient } from '../../src/client/hub-client.js'
import { GridcoreError } from '../../src/lib/errors.js'
import { startTestHub } from '../helpers/hub.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()

describe('HubClient', () => {
  it('sends unique and maps the 409 to HUB_REJECTED naming the holder; sends node_id on the poll', async () => {
    const hub = await startTestHub({ dir })
    try {
      const client = new HubClient({ url: hub.url, token: hub.token })
      await client.registerTask({ name: 'job', command: ['true'], unique: true })
      const err = await client.registerTask({ name: 'job', command: ['true'], unique: true }).catch((e) => e)
      expect(err).toBeInstanceOf(GridcoreError)
      expect(err).toMatchObject({ code: 'HUB_REJECTED', details: { status: 409, conflict: 'job' } })
      expect(err.message).toBe(
        `task 'job' is already pending or running on the hub at ${hub.url}: wait for it (gridcore watch), ` +
          'finish it (gridcore task finish), or pick another name',
      )
      const bad = await client.registerTask({ name: '', image: 'x', unique: true }).catch((e) => e)
      expect(bad).toMatchObject({ code: 'HUB_REJECTED', details: { status: 422 } })
      const { node_id } = await client.register({
        hostname: 'h',
        architecture: 'x86_64',
        cpu_count: 1,
        capabilities: ['command'],
      })
      expect(await client.currentTask('linux/amd64')).toBeNull()
      expect((await client.currentTask('linux/amd64', node_id))?.command).toEqual(['true'])
      expect(await client.runningTask('linux/amd64')).toMatchObject({ task_name: 'job', command: ['true'] })
    } finally {
      await hub.stop()
    }
  })
})

describe('HubClient.runningTask on a hub without GET /api/tasks/current (upstream)', () => {
  const polls: string[] = []
  const upstream = createServer((req, res) => {
    if (req.url === '/gridnode/task?platform=linux%2Farm64') {
      polls.push(req.url)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ task_name: 'img', image: 'a:arm', redis_url: null, input_queue: 'q' }))
    } else {
      res.writeHead(404).end()
    }
  })
  afterAll(() => new Promise<void>((r) => upstream.close(() => r())))

  it('falls back to the platform poll', async () => {
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
    const { port } = upstream.address() as AddressInfo
    const client = new HubClient({ url: `http://127.0.0.1:${port}`, token: 't' })
    expect(await client.runningTask('linux/arm64')).toMatchObject({ task_name: 'img', image: 'a:arm' })
    expect(polls).toHaveLength(1)
  })
})
