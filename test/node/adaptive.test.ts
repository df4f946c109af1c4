// Adaptive parallelism on a real node (runNode in this process, a real hub over loopback HTTP, real processes): a
// synthetic load source makes it stop instances gracefully while the load stays over 85 %, never below 1, and start
// them again under 50 %, never above the start count; each change is one log line with the load figures.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeInfo } from '../../src/hub/protocol.js'
import { createLogger } from '../../src/lib/logger.js'
import type { LoadSource } from '../../src/node/adaptive.js'
import { runNode } from '../../src/node/daemon.js'
import { parseNodeOptions } from '../../src/node/options.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/node.js'
import { sleep } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub({ dir })
})
afterAll(() => hub?.stop())

describe('parallelism = "auto" on a running node', () => {
  it('lowers and raises the running instances as the load source says', async () => {
    const marks = join(dir, 'marks')
    const script = `const fs = require('fs'); const i = process.env.INSTANCE_ID;
      process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(marks)}, 'term ' + i + '\\n'); process.exit(0) });
      setInterval(() => {}, 1e6)`
    let load = 0.3
    const samples: number[] = []
    const source: LoadSource = {
      name: 'synthetic',
      sample: () => {
        samples.push(load)
        return load
      },
    }
    const lines: { msg: string; [k: string]: unknown }[] = []
    const logger = createLogger({
      format: 'json',
      component: 'node',
      write: (l) => lines.push(JSON.parse(l)),
    })
    const options = {
      ...parseNodeOptions(
        { 'server-url': hub.url, token: hub.token, 'state-dir': join(dir, 'state'), parallelism: 'auto' },
        {},
      ),
      // The start count (min(CPUs, free memory / container_memory) on this machine) set to 3 for the test.
      parallelism: 3,
      heartbeatMs: 200,
      pollMs: 100,
      stopTimeoutMs: 2_000,
      runtime: 'process' as const,
      allowedCommands: ['*'],
    }
    expect(options.adaptive).toBe(true)
    const stop = new AbortController()
    const running = runNode(options, { signal: stop.signal, logger, loadSource: source, loadSampleMs: 100 })
    try {
      await hub.call('POST', '/api/tasks', {
        body: { name: 'adapt', command: [process.execPath, '-e', script] },
      })
      const active = async () =>
        ((await hub.call('GET', '/api/nodes')).json as NodeInfo[])[0]?.active_containers
      await waitFor('3 instances', async () => (await active()) === 3)
      // Under 50 % at the start count: nothing changes.
      await sleep(500)
      expect(await active()).toBe(3)
      load = 0.95
      await waitFor('down to 1 instance', async () => (await active()) === 1, 15_000)
      const termed = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n').sort() : [])
      expect(termed()).toEqual(['term 1', 'term 2'])
      // Still over 85 %: never below 1.
      const before = samples.length
      await waitFor('six more samples', () => samples.length >= before + 6)
      expect(await active()).toBe(1)
      load = 0.1
      await waitFor('back to 3 instances', async () => (await active()) === 3, 15_000)
      const after = samples.length
      await waitFor('six more samples', () => samples.length >= after + 6)
      expect(await active()).toBe(3)
      const changes = lines.filter((l) => l.msg.startsWith('parallelism '))
      expect(changes.map((l) => l.msg.split(':')[0])).toEqual([
        'parallelism 3 -> 2',
        'parallelism 2 -> 1',
        'parallelism 1 -> 2',
        'parallelism 2 -> 3',
      ])
      expect(changes[0]!.msg).toBe(
        'parallelism 3 -> 2: CPU load 95%, 95%, 95% (over 85% for 3 samples 0.1 s apart, synthetic)',
      )
      expect(changes[2]).toMatchObject({ parallelism: 2, previous: 1, load: [0.1, 0.1, 0.1], max: 3 })
    } finally {
      stop.abort()
      await running
    }
  })
})
