// The Supervisor over the real process runtime (no hub): error reports of failing instances, the paced
// restart of instances that exit 0, and stops that do not wait out a pause.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { TaskConfig } from '../../src/hub/protocol.js'
import { createLogger } from '../../src/lib/logger.js'
import { Supervisor, type SupervisorOptions } from '../../src/node/instances.js'
import { ProcessRuntime } from '../../src/node/process-runtime.js'
import { scaffold } from '../../src/templates/scaffold.js'
import { waitFor } from '../helpers/node.js'
import { sleep } from '../helpers/procs.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const supervisors: Supervisor[] = []
afterEach(async () => {
  for (const s of supervisors.splice(0)) await s.stopAll()
})

function supervise(opts: Partial<SupervisorOptions> & { allowed?: string[] } = {}) {
  const lines: { msg: string; level: string; [k: string]: unknown }[] = []
  const logger = createLogger({ format: 'json', component: 'node', write: (l) => lines.push(JSON.parse(l)) })
  const runtime = new ProcessRuntime({
    allowedCommands: opts.allowed ?? ['*'],
    allowShell: false,
    stateDir: join(dir, 'state'),
  })
  const s = new Supervisor({ runtime, nodeId: 'n1', parallelism: 1, stopTimeoutMs: 1000, logger, ...opts })
  supervisors.push(s)
  return { s, lines }
}
const task = (name: string, command: string[], extra: Partial<TaskConfig> = {}): TaskConfig => ({
  task_name: name,
  image: '',
  redis_url: null,
  input_redis: 'redis://127.0.0.1:1',
  output_redis: null,
  input_queue: `${name}:in`,
  output_queue: `${name}:out`,
  command,
  ...extra,
})

describe('error reports', () => {
  it('carries what the Python template printed when python3 cannot import redis', async () => {
    scaffold({ template: 'python', name: 'py', dir: join(dir, 'py') })
    const { s } = supervise()
    const t0 = Date.now()
    await s.setTask(task('py-no-redis', ['/usr/bin/python3', '-E', '-S', join(dir, 'py', 'consumer.py')]))
    const report = await waitFor('an error report', () => s.status().error, 10_000)
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(report).toMatchObject({
      task: 'py-no-redis',
      exit_code: 1,
      signal: null,
      failed_instances: 1,
      log_path: join(dir, 'state', 'logs', 'py-no-redis-0.log'),
    })
    expect(report.message).toContain('{"error": "the redis package is missing')
    expect(report.message).not.toContain('[gridcore')
    expect(new Date(report.at).getTime()).toBeGreaterThanOrEqual(t0 - 1000)
    expect(readFileSync(report.log_path!, 'utf8')).toContain('the redis package is missing')
    expect(s.status()).toMatchObject({
      status: 'Error',
      reason: expect.stringContaining('exited with code 1: {"error"'),
    })
    // It keeps failing: the count grows with each restart, the report stays the latest.
    await waitFor('a second failure', () => s.status().error!.failed_instances >= 2, 10_000)
  })

  it('carries the start error of a program that does not exist', async () => {
    const { s } = supervise()
    await s.setTask(task('no-such', ['gridcore-no-such-program', '--x']))
    const report = await waitFor('an error report', () => s.status().error, 10_000)
    expect(report).toMatchObject({ task: 'no-such', exit_code: null, signal: null, failed_instances: 1 })
    expect(report.message).toMatch(/could not start gridcore-no-such-program: .*ENOENT/)
    expect(s.status().status).toBe('Error')
  })

  it('reports a crash by signal, and a refused task with the setting to change; a new task starts clean', async () => {
    const { s } = supervise({ allowed: ['sh'] })
    await s.setTask(task('crash', ['sh', '-c', 'echo about to crash >&2; kill -SEGV $$']))
    const report = await waitFor('an error report', () => s.status().error, 10_000)
    expect(report).toMatchObject({
      task: 'crash',
      exit_code: null,
      signal: 'SIGSEGV',
      message: 'about to crash',
    })
    await s.setTask(task('refused', ['/usr/bin/env', 'id']))
    expect(s.status().error).toMatchObject({ task: 'refused', failed_instances: 1, exit_code: null })
    expect(s.status().error!.message).toMatch(
      /is not in this node's allowed_commands .*: add its path to allowed_commands/,
    )
    await s.setTask(task('fine', ['sh', '-c', 'exec sleep 100']))
    await waitFor('Running', () => s.status().status === 'Running')
    expect(s.status().error).toBeNull()
  })
})

describe('tasks this node cannot run', () => {
  it('an image-only task on the process runtime (from a hub that serves it anyway): Error with the reason', async () => {
    const { s } = supervise()
    await s.setTask({ ...task('img-only', []), command: undefined, image: 'x:1' })
    expect(s.status()).toMatchObject({
      status: 'Error',
      reason: expect.stringMatching(
        /has only an image and this node runs local processes: register it with --command/,
      ),
      error: { task: 'img-only', failed_instances: 1, exit_code: null, log_path: null },
    })
    expect(s.active).toBe(0)
  })
})

describe('instances that exit 0', () => {
  it('are restarted after a pause that doubles up to the cap, and said once per task', async () => {
    const starts = join(dir, 'starts')
    const { s, lines } = supervise({ cleanExitBackoff: { baseMs: 100, maxMs: 400 } })
    await s.setTask(task('drained', ['sh', '-c', `date +%s%3N >> ${starts}`]))
    await waitFor(
      '8 starts',
      () => existsSync(starts) && readFileSync(starts, 'utf8').trim().split('\n').length >= 8,
      15_000,
    )
    const t = readFileSync(starts, 'utf8').trim().split('\n').map(Number)
    const gaps = t.slice(1).map((x, i) => x - t[i]!)
    // 100, 200, 400, 400, … plus the time a start takes.
    expect(gaps[0]).toBeGreaterThanOrEqual(100)
    expect(gaps[1]).toBeGreaterThanOrEqual(200)
    for (const g of gaps.slice(2)) expect(g).toBeGreaterThanOrEqual(400)
    for (const g of gaps) expect(g).toBeLessThan(400 + 1500)
    const said = lines.filter((l) => /exited with code 0/.test(l.msg))
    expect(said).toHaveLength(1)
    expect(said[0]!.msg).toMatch(/restarted after a pause growing to 0.4 s \(said once per task\)/)
    expect(s.status()).toMatchObject({ reason: null, error: null })
    expect(s.status().status).not.toBe('Error')
  })

  it('default to a pause growing to a minute', async () => {
    const { s, lines } = supervise()
    await s.setTask(task('once', ['true']))
    const said = await waitFor('the exit', () => lines.find((l) => /exited with code 0/.test(l.msg)))
    expect(said.msg).toMatch(/growing to 60 s/)
  })

  it('a stop or a task change cuts a pause short', async () => {
    const { s, lines } = supervise({ cleanExitBackoff: { baseMs: 60_000, maxMs: 60_000 } })
    await s.setTask(task('once', ['true']))
    await waitFor('the exit', () => lines.find((l) => /exited with code 0/.test(l.msg)))
    await sleep(100)
    let t0 = Date.now()
    await s.setTask(task('again', ['true']))
    await waitFor('the next exit', () => lines.filter((l) => /exited with code 0/.test(l.msg)).length === 2)
    expect(Date.now() - t0).toBeLessThan(3_000)
    await sleep(100)
    t0 = Date.now()
    await s.stopAll()
    expect(Date.now() - t0).toBeLessThan(500)
  })
})

describe('changing the count while running', () => {
  it('raising starts the new instances at once; lowering stops the highest-numbered ones gracefully', async () => {
    const marks = join(dir, 'resize')
    // Each instance says it started, and on SIGTERM that it stopped gracefully, then exits 0.
    const script = `const fs = require('fs'); const i = process.env.INSTANCE_ID;
      fs.appendFileSync(${JSON.stringify(marks)}, 'start ' + i + '\\n');
      process.on('SIGTERM', () => { fs.appendFileSync(${JSON.stringify(marks)}, 'term ' + i + '\\n'); process.exit(0) });
      setInterval(() => {}, 1e6)`
    const { s } = supervise({ parallelism: 1 })
    const marked = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : [])
    await s.setTask(task('resize', [process.execPath, '-e', script]))
    await waitFor('1 running', () => s.active === 1 && marked().includes('start 0'))
    await s.setParallelism(3)
    expect(s.parallelism).toBe(3)
    await waitFor(
      '3 running',
      () => s.active === 3 && marked().filter((m) => m.startsWith('start')).length === 3,
    )
    await s.setParallelism(1)
    expect(s.active).toBe(1)
    expect(
      marked()
        .filter((m) => m.startsWith('term'))
        .sort(),
    ).toEqual(['term 1', 'term 2'])
    expect(s.status()).toMatchObject({ status: 'Running', reason: null })
    // The next task starts with the count as it is now.
    await s.setTask(task('resize-2', [process.execPath, '-e', script]))
    await waitFor('1 running', () => s.active === 1)
    await sleep(300)
    expect(s.active).toBe(1)
  })
})
