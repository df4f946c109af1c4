// A volunteer's image-only node: it declares "command" so command tasks reach it, refuses them with the flags its
// owner can pass, and runs a task that has both an image and a command as its image.
import { describe, expect, it } from 'vitest'
import type { Capability, TaskConfig } from '../../src/hub/protocol.js'
import type { InstanceSpec, RunningInstance, Runtime } from '../../src/node/runtime.js'
import { ImageOnlyRuntime } from '../../src/node/volunteer.js'
import { taskConfig } from '../helpers/task-config.js'

const task = taskConfig

/** A runtime that records what it was asked to start. */
function inner(caps: Capability[]): Runtime & { started: TaskConfig[] } {
  const started: TaskConfig[] = []
  return {
    name: 'docker',
    started,
    capabilities: () => caps,
    cannotRun: (t) => (t.image ? null : 'no image'),
    async start(spec: InstanceSpec): Promise<RunningInstance> {
      started.push(spec.task)
      return { exited: new Promise(() => {}), stop: async () => {}, logPath: null }
    },
    cleanupLeftovers: async () => 0,
  }
}

describe('ImageOnlyRuntime', () => {
  it('declares command beside what it runs, so the hub hands it command tasks to refuse', () => {
    expect(new ImageOnlyRuntime(inner(['image'])).capabilities()).toEqual(['image', 'command'])
    expect(new ImageOnlyRuntime(inner(['command'])).capabilities()).toEqual(['command'])
  })

  it('refuses a command task naming --runtime process and --allow-command, at check and at start', async () => {
    const r = new ImageOnlyRuntime(inner(['image']))
    const t = task({ task_name: 'job', command: ['sed', '-u', 's/^/r:/'] })
    const why =
      'task "job" runs a command, and this volunteer node runs container images only: its owner can allow commands with --runtime process (any program) or --allow-command PROGRAM (in gridnode.toml: runtime = "process", or allowed_commands)'
    expect(r.cannotRun(t)).toBe(why)
    await expect(r.start({ task: t, nodeId: 'n', instance: 0, env: {} })).rejects.toThrow(why)
  })

  it('names --allow-command gridcore --allow-shell for a run --command task', () => {
    const r = new ImageOnlyRuntime(inner(['image']))
    const t = task({ task_name: 'run-1', command: ['gridcore', 'worker', '--filter', 'sed -u s/^/r:/'] })
    expect(r.cannotRun(t)).toMatch(
      /--allow-command PROGRAM \(in gridnode.toml: runtime = "process", or allowed_commands\); this one is gridcore run --command, allowed alone by --allow-command gridcore --allow-shell$/,
    )
  })

  it('runs a task with an image and a command as its image, without the command fields', async () => {
    const base = inner(['image'])
    const r = new ImageOnlyRuntime(base)
    const t = task({ image: 'img:1', command: 'python3 x.py', shell: true, cwd: '/tmp' })
    expect(r.cannotRun(t)).toBeNull()
    await r.start({ task: t, nodeId: 'n', instance: 0, env: {} })
    expect(base.started).toEqual([task({ image: 'img:1' })])
    expect(r.cannotRun(task({ image: 'img:2' }))).toBeNull()
  })
})
