// allowed_commands on a real node: another file named like an allowed program is refused (the attack of a
// script named python3 in a directory of its own), the real one runs, a shell task needs allow_shell.
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { TaskConfig } from '../../src/hub/protocol.js'
import { ProcessRuntime } from '../../src/node/process-runtime.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { sleep } from '../helpers/procs.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const ctx = useTestRedis()
let hub: TestHub
const nodes: NodeProc[] = []
const UPSTREAM = fileURLToPath(new URL('../fixtures/upstream_consumer.py', import.meta.url))
const marker = join(dir, 'pwned')
const attack = join(dir, 'attack')
const TASK: TaskConfig = {
  task_name: 't',
  image: '',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
}

beforeAll(async () => {
  hub = await startTestHub({ dir })
  mkdirSync(attack)
  writeFileSync(join(attack, 'python3'), `#!/bin/sh\nid > ${marker}\n`)
  chmodSync(join(attack, 'python3'), 0o755)
})
afterEach(async () => {
  await stopNodes(nodes)
  while ((await hub.call('GET', '/api/tasks')).json.current) await hub.call('POST', '/api/tasks/finish')
})
afterAll(() => hub.stop())

const node = (toml: Record<string, string | number>, args: string[] = []) => {
  // The system PATH, so "python3" is Debian's (with python3-redis), not a version manager's shim.
  const n = startNodeProc(dir, hub, {
    toml: { parallelism: 1, ...toml },
    args,
    env: { PATH: '/usr/bin:/bin' },
  })
  nodes.push(n)
  return n
}
const register = async (name: string, body: Record<string, unknown>) => {
  const p = `a${randomBytes(4).toString('hex')}`
  const q = { input_queue: `${p}:in`, output_queue: `${p}:out` }
  const res = await hub.call('POST', '/api/tasks', {
    body: { name, input_redis: ctx.redis.url, ...q, ...body },
  })
  expect(res.status).toBe(201)
  return q
}
const statusOf = async (n: NodeProc) => {
  const id = await n.id()
  return (await hub.call('GET', '/api/nodes')).json.find((x: { id: string }) => x.id === id)?.runtime_status
}
const refusal = (n: NodeProc, re: RegExp) =>
  waitFor(`a refusal matching ${re}`, () => n.logs().find((l) => re.test(l.msg)))

describe('allowed_commands = ["python3"]', () => {
  it('refuses a script named python3 in a directory of its own, by path or relative to its cwd', async () => {
    const n = node({ allowed_commands: '["python3"]' })
    await register('attack-abs', { command: [join(attack, 'python3'), '-c', 'x'] })
    await waitFor('Error', async () => (await statusOf(n)) === 'Error')
    const line = await refusal(
      n,
      /command ".*attack\/python3" \(.*\) is not in this node's allowed_commands \(python3 = \/usr\/bin\/python3/,
    )
    expect(line.msg).toMatch(/add its path to allowed_commands in gridnode.toml \(or --allow-command\)$/)
    await hub.call('POST', '/api/tasks/finish')
    await register('attack-rel', { command: ['./python3'], cwd: attack })
    await refusal(n, /command "\.\/python3" \(.*attack\/python3\) is not in this node's allowed_commands/)
    await sleep(500)
    expect(existsSync(marker)).toBe(false)
  })

  it('runs the real python3 (by name or by its path): every item processed', async () => {
    const n = node({ allowed_commands: '["python3"]' })
    const q = await register('real-python', { command: ['python3', '-u', UPSTREAM] })
    await ctx.r.lpush(q.input_queue, ...Array.from({ length: 200 }, (_, i) => String(i + 1)))
    await waitFor('200 results', async () => (await ctx.r.llen(q.output_queue)) === 200)
    expect(await statusOf(n)).not.toBe('Error')
    await hub.call('POST', '/api/tasks/finish')
    const q2 = await register('real-python-path', { command: ['/usr/bin/python3', '-u', UPSTREAM] })
    await ctx.r.lpush(q2.input_queue, '4', '9')
    await waitFor('2 results', async () => (await ctx.r.llen(q2.output_queue)) === 2)
  })
})

describe('shell tasks', () => {
  it('are refused without allow_shell, naming the setting, and run with --allow-shell', async () => {
    const n = node({ allowed_commands: '["python3"]' })
    await register('shell', { command: `id > ${marker}`, shell: true })
    await waitFor('Error', async () => (await statusOf(n)) === 'Error')
    await refusal(
      n,
      /runs a shell command, which this node refuses: set allow_shell = true in gridnode.toml \(or --allow-shell\)/,
    )
    await sleep(300)
    expect(existsSync(marker)).toBe(false)
    await stopNodes(nodes)
    node({ allowed_commands: '["python3"]' }, ['--allow-shell'])
    await waitFor('the shell task ran', () => existsSync(marker))
  })
})

describe('an allowed link to a multi-call binary', () => {
  it('runs the real file under the name it was called by (busybox applets keep working)', async () => {
    const bb = join(dir, 'bb')
    mkdirSync(bb)
    symlinkSync('/bin/busybox', join(bb, 'echo'))
    const runtime = new ProcessRuntime({
      allowedCommands: [join(bb, 'echo')],
      allowShell: false,
      stateDir: join(dir, 'bb-state'),
    })
    const inst = await runtime.start({
      task: { ...TASK, task_name: 'bb', command: [join(bb, 'echo'), 'hello from an applet'] },
      nodeId: 'n',
      instance: 0,
      env: {},
    })
    const exit = await inst.exited
    expect(exit).toEqual({ code: 0, signal: null, output: 'hello from an applet' })
    expect(readFileSync(inst.logPath!, 'utf8')).toContain(`start: ${join(bb, 'echo')} hello from an applet`)
  })
})
