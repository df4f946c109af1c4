// Scheduling tried as a new user would, through the CLI only: two node groups on one machine, tasks with
// priorities, a dependency and --auto-finish, a CRITICAL task registered mid-run; status shows each group's current
// task; everything finishes without a manual finish, in the order the rules say. Plus the commands' bad input.
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { CONSUMER } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const dir = tempDir()
const home = join(dir, 'home')
let redis: TestRedis
let r: Redis
let hub: HubProcess
const nodes: NodeProc[] = []
const gc = async (...args: string[]) => {
  const res = await runCli([...args, '--json'], { env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined } })
  return res
}
const ok = async (...args: string[]) => {
  const res = await gc(...args)
  expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0)
  return res.json
}

beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  hub = await startHubProcess(dir, 'done-when', [
    '--auto-finish-settle',
    '1s',
    '--auto-finish-interval',
    '200ms',
  ])
  await ok('connect', '--name', 'lab', '--hub', hub.url, '--token', TOKEN, '--redis', redis.url)
})
afterAll(async () => {
  await stopNodes(nodes)
  await hub?.stop()
  await redis?.stop()
})

const register = (name: string, ...flags: string[]) =>
  ok(
    'task',
    'register',
    '--name',
    name,
    '--command',
    `node ${CONSUMER}`,
    '--input-queue',
    `${name}:in`,
    '--output-queue',
    `${name}:out`,
    '--auto-finish',
    ...flags,
  )
const push = (name: string, from: number, n: number) =>
  ok('push', '--range', `${from}..${from + n - 1}`, '--queue', `${name}:in`)

describe('two groups, priorities, a dependency, auto-finish and a CRITICAL task mid-run', () => {
  it('finishes everything by itself, in the order the rules say', async () => {
    const slow = { SLOW_MS: '1', SLOW_EVERY: '1' }
    const gpu = startNodeProc(dir, { url: hub.url, token: TOKEN }, { args: ['--group', 'gpu'], env: slow })
    const cpu = startNodeProc(dir, { url: hub.url, token: TOKEN }, { env: slow }) // detected group: runs default
    nodes.push(gpu, cpu)
    await Promise.all([gpu.id(), cpu.id()])

    expect(await register('prep', '--priority', 'LOW')).toMatchObject({ running: true, group: 'default' })
    await push('prep', 1, 20_000)
    expect(await register('train', '--group', 'gpu', '--priority', '1', '--after', 'prep')).toMatchObject({
      running: false,
      group: 'gpu',
    })
    await push('train', 1, 3_000)
    expect(await register('report', '--priority', 'IDLE')).toMatchObject({ running: false })
    await push('report', 1, 3_000)
    expect((await ok('task', 'show', 'train')).waiting_for).toEqual(['prep'])

    await waitFor('prep under way', async () => (await r.llen('prep:out')) > 500, 30_000)
    expect(await register('hotfix', '--priority', 'CRITICAL')).toMatchObject({ running: true })
    await push('hotfix', 1, 1_000)
    expect((await ok('task', 'show', 'prep')).preemptions).toBe(1)

    // Once prep is done, gpu runs train while default runs report: status shows each group's current task.
    const both = await waitFor(
      'both groups running',
      async () => {
        const s = await ok('status')
        const by = Object.fromEntries(
          s.groups.map((g: { group: string; current: string }) => [g.group, g.current]),
        )
        return by.gpu === 'train' && by.default === 'report' ? s : null
      },
      60_000,
    )
    expect(both.tasks.groups.gpu.current).toBe('train')
    const human = await runCli(['status'], { env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined } })
    expect(human.stdout).toMatch(/Groups: default running report .*; gpu running train/)

    await waitFor(
      'every task completed',
      async () => {
        const l = await ok('task', 'list')
        return l.groups.default.completed.length === 3 && l.groups.gpu.completed.length === 1
      },
      90_000,
    )
    const d = Object.fromEntries(
      await Promise.all(
        ['hotfix', 'prep', 'train', 'report'].map(async (n) => [n, await ok('task', 'show', n)]),
      ),
    )
    for (const n of ['hotfix', 'prep', 'train', 'report']) expect(d[n].ended_by, n).toBe('auto-finish')
    const t = (n: string, k: string) => Date.parse(d[n][k])
    expect(t('hotfix', 'finished_at')).toBeLessThanOrEqual(t('prep', 'finished_at'))
    expect(t('train', 'started_at')).toBeGreaterThanOrEqual(t('prep', 'finished_at'))
    expect(t('report', 'started_at')).toBeGreaterThanOrEqual(t('prep', 'finished_at'))
    for (const [name, n] of [
      ['prep', 20_000],
      ['train', 3_000],
      ['report', 3_000],
      ['hotfix', 1_000],
    ] as const) {
      const ids = new Set((await r.lrange(`${name}:out`, 0, -1)).map((x) => x.split(':')[0]))
      expect(ids.size, name).toBe(n)
      expect(await r.llen(`${name}:out`), name).toBe(n)
    }
    // The gpu node ran train only; the other node never ran train.
    const started = (n: NodeProc) =>
      n
        .logs()
        .filter((l) => l.msg.startsWith('starting '))
        .map((l) => l.task)
    expect(started(gpu)).toEqual(['train'])
    expect(started(cpu)).not.toContain('train')
  })
})

describe('the scheduling commands’ refusals', () => {
  it('say what was wrong in one line with exit 2 (usage) or 6 (the hub refused)', async () => {
    const bad = async (code: number, pattern: RegExp, ...args: string[]) => {
      const res = await gc(...args)
      expect(res.code, args.join(' ')).toBe(code)
      expect(res.stderr).toMatch(pattern)
      expect(res.stderr.trim().split('\n')).toHaveLength(1)
    }
    await bad(
      2,
      /--priority "urgent" is not a priority: use 0-4 or CRITICAL/,
      'task',
      'register',
      '--name',
      'x',
      '--command',
      'true',
      '--priority',
      'urgent',
    )
    await bad(2, /--group "a b" is not a group name/, 'task', 'list', '--group', 'a b')
    await bad(
      6,
      /waits for 'ghost', which is not registered/,
      'task',
      'register',
      '--name',
      'x',
      '--command',
      'true',
      '--after',
      'ghost',
    )
    await bad(6, /no task named 'ghost'/, 'task', 'cancel', 'ghost')
    await bad(6, /no task named 'ghost'/, 'task', 'priority', 'ghost', 'HIGH')
    await bad(2, /the level "9" is not a priority/, 'task', 'priority', 'ghost', '9')
    await ok('task', 'register', '--name', 'blocker', '--command', 'true')
    await ok('task', 'register', '--name', 'queued', '--command', 'true', '--after', 'blocker')
    await bad(6, /cannot be cancelled: it is running: finish it instead/, 'task', 'cancel', 'blocker')
    expect(await ok('task', 'priority', 'queued', 'high')).toMatchObject({
      priority: 1,
      priority_name: 'HIGH',
    })
    await bad(6, /nothing is running in group gpu/, 'task', 'finish', '--group', 'gpu')
    await bad(2, /give NAME or --group, not both/, 'task', 'finish', 'blocker', '--group', 'gpu')
    await bad(6, /is not running \(it is Pending\)/, 'task', 'finish', 'queued')
    expect(await ok('task', 'finish', 'blocker')).toMatchObject({ completed: 'blocker', started: 'queued' })
    expect(await ok('task', 'finish')).toMatchObject({ completed: 'queued' })
  })
})
