// Instance errors travel: a real node's failing instances reach the hub's GET /api/nodes as runtime_error
// within seconds, with what the instance printed (or why it could not start).
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { NodeInfo } from '../../src/hub/protocol.js'
import { scaffold } from '../../src/templates/scaffold.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
const nodes: NodeProc[] = []

beforeAll(async () => {
  hub = await startTestHub({ dir })
  scaffold({ template: 'python', name: 'pyt', dir: join(dir, 'tpl-python') })
})
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(() => hub.stop())

const node = () => {
  const n = startNodeProc(dir, hub, { toml: { parallelism: 1, heartbeat_interval: 30 } })
  nodes.push(n)
  return n
}
const reportOf = async (n: NodeProc) => {
  const id = await n.id()
  const row = ((await hub.call('GET', '/api/nodes')).json as NodeInfo[]).find((x) => x.id === id)
  return row?.runtime_error
}

describe('runtime_error on the hub', () => {
  it('carries the Python template’s import error when python3 has no redis module', async () => {
    const n = node()
    await n.id()
    const t0 = Date.now()
    await hub.call('POST', '/api/tasks', {
      body: {
        name: 'py-no-redis',
        // -E -S: no PYTHONPATH and no site packages, so Debian's python3-redis is out of reach.
        command: ['/usr/bin/python3', '-E', '-S', join(dir, 'tpl-python', 'consumer.py')],
        input_redis: 'redis://127.0.0.1:1',
        input_queue: 'q:in',
      },
    })
    const report = await waitFor('runtime_error on GET /api/nodes', () => reportOf(n), 10_000)
    // A heartbeat goes out when the report appears, not at the next heartbeat_interval (30 s here).
    expect(Date.now() - t0).toBeLessThan(8_000)
    expect(report).toMatchObject({
      task: 'py-no-redis',
      exit_code: 1,
      signal: null,
      log_path: join(dir, 'node-state', 'logs', 'py-no-redis-0.log'),
    })
    expect(report!.message).toContain('{"error": "the redis package is missing')
    expect(report!.failed_instances).toBeGreaterThanOrEqual(1)
  })

  it('carries the start error of a command that does not exist', async () => {
    const n = node()
    await n.id()
    await hub.call('POST', '/api/tasks', {
      body: { name: 'no-such-cmd', command: ['gridcore-no-such-program'], input_queue: 'q2:in' },
    })
    const report = await waitFor('runtime_error on GET /api/nodes', () => reportOf(n), 10_000)
    expect(report).toMatchObject({ task: 'no-such-cmd', exit_code: null, signal: null })
    expect(report!.message).toMatch(/could not start gridcore-no-such-program: .*ENOENT/)
  })
})
