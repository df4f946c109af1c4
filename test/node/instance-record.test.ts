// stopLeftoverInstances: what a crashed node left is stopped (by pid + start time), a live node's is not.
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { alive, startTimeOf } from '../../src/lib/proc.js'
import { recordDir, stopLeftoverInstances } from '../../src/node/instance-record.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const stateDir = join(dir, 'node-state')
let hub: TestHub
const nodes: NodeProc[] = []

beforeAll(async () => {
  hub = await startTestHub({ dir })
})
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(() => hub.stop())

/** A node running two instances: one that stops on SIGTERM, one that ignores it. */
async function nodeWithInstances(name: string) {
  const n = startNodeProc(dir, hub, { toml: { stop_timeout: 1 } })
  nodes.push(n)
  const script = `if [ "$INSTANCE_ID" = 1 ]; then trap '' TERM; fi; while true; do sleep 0.1; done`
  await hub.call('POST', '/api/tasks', { body: { name, command: ['/bin/sh', '-c', script] } })
  const file = join(recordDir(stateDir), `${await n.id()}.json`)
  const rec = await waitFor('two recorded instances', () => {
    try {
      const r = JSON.parse(readFileSync(file, 'utf8'))
      return r.instances.length === 2 ? r : undefined
    } catch {
      return undefined
    }
  })
  return { n, file, pids: (rec.instances as { pid: number }[]).map((i) => i.pid).sort() }
}

describe('stopLeftoverInstances', () => {
  it('stops the instances of a node that was SIGKILLed, and says what it stopped', async () => {
    const { n, pids } = await nodeWithInstances('orphans')
    n.child.kill('SIGKILL')
    await n.exited
    expect(pids.every(alive)).toBe(true)
    const stopped = await stopLeftoverInstances(stateDir, { graceMs: 500 })
    expect(stopped.map((s) => s.pid).sort()).toEqual(pids)
    expect(stopped.map((s) => [s.instance, s.task, s.forced, s.node_id]).sort()).toEqual([
      [0, 'orphans', false, await n.id()],
      [1, 'orphans', true, await n.id()],
    ])
    expect(pids.some(alive)).toBe(false)
    expect(await stopLeftoverInstances(stateDir)).toEqual([])
  })

  it('leaves a running node’s instances alone', async () => {
    const { pids } = await nodeWithInstances('owned')
    expect(await stopLeftoverInstances(stateDir, { graceMs: 100 })).toEqual([])
    expect(pids.every(alive)).toBe(true)
  })

  it('never signals a pid whose start time differs from the record (a reused pid)', async () => {
    const other = spawn('sleep', ['100'], { detached: true, stdio: 'ignore' })
    try {
      const pid = other.pid!
      await waitFor('the process', () => startTimeOf(pid))
      const dead = spawn('true')
      await new Promise((r) => dead.on('exit', r))
      const stale = join(dir, 'stale')
      mkdirSync(recordDir(stale), { recursive: true })
      const entry = { task: 't', instance: 0, log_path: '/dev/null', started_at: new Date().toISOString() }
      writeFileSync(
        join(recordDir(stale), 'x.json'),
        JSON.stringify({
          node_id: 'x',
          node_pid: dead.pid,
          node_start: '1',
          instances: [{ ...entry, pid, start: String(Number(startTimeOf(pid)) - 1) }],
        }),
      )
      expect(await stopLeftoverInstances(stale, { graceMs: 100 })).toEqual([])
      expect(alive(pid)).toBe(true)
    } finally {
      other.kill('SIGKILL')
    }
  })
})
