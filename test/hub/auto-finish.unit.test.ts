// The hub's auto-finish loop with a scripted watcher: settle time, per-task settle, what it is asked, preemption.
import { describe, expect, it } from 'vitest'
import { AutoFinisher, type DrainProbe, type DrainWatcher } from '../../src/hub/auto-finish.js'
import { createLogger } from '../../src/lib/logger.js'
import { appFixture } from './fixture.js'

function setup() {
  const f = appFixture()
  let now = 0
  const asked: DrainProbe[][] = []
  const drained = new Set<string>()
  const watcher: DrainWatcher = {
    async drained(tasks) {
      asked.push(tasks)
      return new Set(tasks.filter((t) => drained.has(t.spec.name)).map((t) => t.id))
    },
    async close() {},
  }
  const logs: string[] = []
  const logger = createLogger({ format: 'json', component: 'hub', write: (l) => logs.push(l) })
  const store = { load: () => undefined, save: () => {} }
  const af = new AutoFinisher(f.state, store, watcher, logger, { settleMs: 10_000 }, () => now)
  const reg = (body: Record<string, unknown>) => f.call('POST', '/api/tasks', { body })
  return { f, af, asked, drained, logs, reg, at: (ms: number) => (now = ms) }
}

describe('AutoFinisher', () => {
  it('finishes a drained auto_finish task once it stayed drained for the settle time; not before, not others', async () => {
    const t = setup()
    t.reg({ name: 'a', image: 'i', auto_finish: true })
    t.reg({ name: 'g', image: 'i', group: 'gpu' })
    t.reg({ name: 'b', image: 'i' })
    await t.af.tick()
    expect(t.asked.at(-1)!.map((p) => p.spec.name)).toEqual(['a'])
    t.drained.add('a')
    t.drained.add('g')
    t.at(1_000)
    await t.af.tick()
    t.at(10_999)
    await t.af.tick()
    expect(t.f.state.listTasks().current).toBe('a')
    t.at(11_000)
    await t.af.tick()
    expect(t.f.state.listTasks()).toMatchObject({ current: 'b', completed: ['a'] })
    expect(t.f.call('GET', '/api/tasks/a').json).toMatchObject({ ended_by: 'auto-finish' })
    expect(t.logs.some((l) => l.includes("auto-finished 'a' (queues drained), started 'b'"))).toBe(true)
    expect(t.f.state.listTasks().groups!.gpu!.current).toBe('g')
  })

  it('starts the settle time again when the queues stop being drained, and honours auto_finish_settle', async () => {
    const t = setup()
    t.reg({ name: 'a', image: 'i', auto_finish: true, auto_finish_settle: 2 })
    t.drained.add('a')
    await t.af.tick()
    t.at(1_500)
    t.drained.delete('a')
    await t.af.tick()
    t.drained.add('a')
    t.at(2_000)
    await t.af.tick()
    t.at(3_999)
    await t.af.tick()
    expect(t.f.state.listTasks().current).toBe('a')
    t.at(4_000)
    await t.af.tick()
    expect(t.f.state.listTasks().current).toBeNull()
  })

  it('asks with the group’s nodes, and never about a preempted (pending) task', async () => {
    const t = setup()
    t.f.call('POST', '/gridnode/register', {
      body: { hostname: 'h', architecture: 'x86_64', cpu_count: 1, group: 'gpu', group_explicit: true },
    })
    t.reg({ name: 'low', image: 'i', group: 'gpu', priority: 4, auto_finish: true })
    await t.af.tick()
    expect(t.asked.at(-1)!.map((p) => [p.spec.name, p.group, p.nodes.length])).toEqual([['low', 'gpu', 1]])
    t.reg({ name: 'crit', image: 'i', group: 'gpu', priority: 0 })
    await t.af.tick()
    expect(t.asked.at(-1)).toEqual([])
  })
})
