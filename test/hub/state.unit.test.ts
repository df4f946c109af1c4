// HubState: the task list rules, unique names, and who is served which task (the capability rule).
import { describe, expect, it } from 'vitest'
import type { Capability, TaskSpec } from '../../src/hub/protocol.js'
import { HubState } from '../../src/hub/state.js'

const caps = (...c: Capability[]) => new Set(c)
const IMAGE = caps('image')
const COMMAND = caps('command')
const BOTH = caps('image', 'command')
const NONE = caps()

function running(spec: TaskSpec): HubState {
  const s = new HubState()
  s.addTask(spec)
  return s
}

describe('the serving rule', () => {
  const imageTask: TaskSpec = { name: 'img', image: 'app:1', input_queue: 'q' }
  const commandTask: TaskSpec = { name: 'cmd', command: ['python3', 'w.py'], shell: false, cwd: '/work' }
  const bothTask: TaskSpec = { name: 'both', image: 'app:1', command: 'python3 w.py', shell: true, cwd: '/w' }
  const armTask: TaskSpec = { name: 'arm', images: { 'linux/arm64': 'app:arm' }, command: ['run'] }

  it.each([
    // [task, capabilities, platform, expected image or null, carries the command]
    [imageTask, IMAGE, 'linux/amd64', 'app:1', false],
    [imageTask, COMMAND, 'linux/amd64', null, false],
    [imageTask, BOTH, 'linux/amd64', 'app:1', false],
    [imageTask, NONE, 'linux/amd64', null, false],
    [commandTask, IMAGE, 'linux/amd64', null, false],
    [commandTask, COMMAND, 'linux/amd64', '', true],
    [commandTask, BOTH, 'linux/amd64', '', true],
    [bothTask, IMAGE, 'linux/amd64', 'app:1', false],
    [bothTask, COMMAND, 'linux/amd64', 'app:1', true],
    [bothTask, BOTH, 'linux/amd64', 'app:1', true],
    [armTask, IMAGE, 'linux/amd64', null, false],
    [armTask, IMAGE, 'linux/arm64', 'app:arm', false],
    [armTask, COMMAND, 'linux/amd64', '', true],
  ] as const)('%#: %o to %o on %s', (task, capabilities, platform, image, withCommand) => {
    const config = running(task).taskConfigFor(platform, capabilities)
    if (image === null) {
      expect(config).toBeNull()
      return
    }
    expect(config).toMatchObject({ task_name: task.name, image, redis_url: null })
    if (withCommand) {
      expect(config!.command).toEqual(task.command)
      if (task.shell != null) expect(config!.shell).toBe(task.shell)
      if (task.cwd != null) expect(config!.cwd).toBe(task.cwd)
    } else {
      for (const key of ['command', 'shell', 'cwd']) expect(config).not.toHaveProperty(key)
    }
  })

  it('defaults to an upstream node: image tasks only, never "image": ""', () => {
    expect(running(commandTask).taskConfigFor('linux/amd64')).toBeNull()
    expect(running(imageTask).taskConfigFor('linux/amd64')).toEqual({
      task_name: 'img',
      image: 'app:1',
      redis_url: null,
      input_redis: null,
      output_redis: null,
      input_queue: 'q',
      output_queue: null,
    })
  })
})

describe('unique names', () => {
  it('refuses Pending and Running names, allows Completed ones, and leaves the list untouched when refused', () => {
    const s = new HubState()
    expect(s.addTask({ name: 'a' }, { unique: true })).toEqual({ started: true })
    expect(s.addTask({ name: 'b' }, { unique: true })).toEqual({ started: false })
    expect(s.addTask({ name: 'a' }, { unique: true })).toEqual({ conflict: true })
    expect(s.addTask({ name: 'b' }, { unique: true })).toEqual({ conflict: true })
    expect(s.snapshot().tasks).toHaveLength(2)
    s.finish()
    expect(s.addTask({ name: 'a' }, { unique: true })).toEqual({ started: false })
    expect(s.addTask({ name: 'b' })).toEqual({ started: false })
    expect(s.listTasks()).toEqual({ current: 'b', pending: ['a', 'b'], completed: ['a'] })
  })
})

describe('the task list', () => {
  it('survives a snapshot and reload with order, statuses and current task', () => {
    const s = new HubState()
    for (const name of ['a', 'b', 'c']) s.addTask({ name, image: name })
    s.finish()
    const again = new HubState(JSON.parse(JSON.stringify(s.snapshot())))
    expect(again.listTasks()).toEqual({ current: 'b', pending: ['c'], completed: ['a'] })
    expect(again.runningTask()).toEqual({ name: 'b', image: 'b' })
  })
})
