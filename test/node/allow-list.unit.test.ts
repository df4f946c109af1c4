// allowed_commands: names resolve through PATH once, programs compare by real path, the shell needs allow_shell.
import { chmodSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TaskConfig } from '../../src/hub/protocol.js'
import { GRIDCORE_BIN } from '../../src/lib/self.js'
import { AllowList, findProgram } from '../../src/node/allow-list.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const script = (path: string, mode = 0o755) => {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, '#!/bin/sh\nid\n')
  chmodSync(path, mode)
  return path
}
const good = script(join(dir, 'good', 'tool'))
mkdirSync(join(dir, 'links'))
symlinkSync(good, join(dir, 'links', 'tool'))
const evil = script(join(dir, 'evil', 'tool'))
script(join(dir, 'noexec', 'tool'), 0o644)
mkdirSync(join(dir, 'isdir', 'tool'), { recursive: true })
const PATH = [join(dir, 'noexec'), join(dir, 'isdir'), join(dir, 'links'), '/usr/bin', '/bin'].join(':')

const task = (command: TaskConfig['command'], shell?: boolean): TaskConfig => ({
  task_name: 't',
  image: '',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
  command,
  ...(shell ? { shell } : {}),
})
const list = (commands: string[], allowShell = false) =>
  new AllowList({ commands, allowShell, path: PATH, cwd: dir })

describe('AllowList', () => {
  it('resolves a bare name through PATH to its real file, once, skipping non-executables and directories', () => {
    const l = list(['tool'])
    expect(l.programs).toEqual([{ entry: 'tool', real: realpathSync(good) }])
  })

  it('refuses another file of the same name (the attack), by absolute or relative path', () => {
    const l = list(['tool'])
    const abs = l.check(task([evil, '-x']), dir)
    expect(abs).toEqual({
      refused: `command "${evil}" (${realpathSync(evil)}) is not in this node's allowed_commands (tool = ${realpathSync(good)}): add its path to allowed_commands in gridnode.toml (or --allow-command)`,
    })
    expect(l.check(task(['./tool']), join(dir, 'evil'))).toHaveProperty('refused')
    // A bare name resolves through the node's PATH, never through the task's directory.
    expect(l.check(task(['tool']), join(dir, 'evil'))).toEqual({
      argv: [realpathSync(good)],
      argv0: join(dir, 'links', 'tool'),
    })
  })

  it('accepts the allowed program by name, by a link to it and by its real path, and runs the real file', () => {
    const l = list(['tool'])
    const real = realpathSync(good)
    const link = join(dir, 'links', 'tool')
    expect(l.check(task(['tool', 'a b']), dir)).toEqual({ argv: [real, 'a b'], argv0: link })
    expect(l.check(task('tool "a b" c'), dir)).toEqual({ argv: [real, 'a b', 'c'], argv0: link })
    expect(l.check(task([good]), dir)).toEqual({ argv: [real], argv0: good })
    expect(l.check(task(['./links/tool']), dir)).toEqual({ argv: [real], argv0: link })
  })

  it('compares the system python3 by real path (python3 -> python3.x)', () => {
    const l = new AllowList({ commands: ['python3'], allowShell: false, path: '/usr/bin:/bin' })
    const real = realpathSync('/usr/bin/python3')
    expect(l.programs[0]!.real).toBe(real)
    expect(l.check(task(['/usr/bin/python3', '-c', '1']), dir)).toEqual({
      argv: [real, '-c', '1'],
      argv0: '/usr/bin/python3',
    })
    expect(l.check(task([real]), dir)).toEqual({ argv: [real], argv0: real })
    expect(new AllowList({ commands: ['/usr/bin/python3'], allowShell: false }).programs[0]!.real).toBe(real)
  })

  it('refuses shell tasks unless allow_shell (or "*") says so, naming the setting', () => {
    expect(list(['tool']).check(task('id; tool', true), dir)).toEqual({
      refused:
        'task "t" runs a shell command, which this node refuses: set allow_shell = true in gridnode.toml (or --allow-shell) to allow it',
    })
    expect(list([], true).check(task('id; tool', true), dir)).toEqual({ argv: ['/bin/sh', '-c', 'id; tool'] })
    expect(list(['*']).check(task('id', true), dir)).toEqual({ argv: ['/bin/sh', '-c', 'id'] })
  })

  it('"*" allows any program as given; [] refuses all, naming the setting', () => {
    expect(list(['*']).check(task(['anything', '1']), dir)).toEqual({ argv: ['anything', '1'] })
    expect(list([]).check(task(['tool']), dir)).toEqual({
      refused:
        'this node allows no commands (allowed_commands is empty in gridnode.toml): list the programs it may run (or --allow-command), or ["*"] for any',
    })
  })

  it('refuses a program that is not on this node, and keeps entries that name nothing as allowing nothing', () => {
    const l = list(['tool', 'no-such-program-here'])
    expect(l.missing).toEqual(['no-such-program-here'])
    expect(l.check(task(['no-such-program-here']), dir)).toEqual({
      refused:
        'command "no-such-program-here" is not an executable file on this node (looked up on PATH): install it, or register the task with the path of an allowed program',
    })
    expect(l.check(task([join(dir, 'noexec', 'tool')]), dir)).toHaveProperty('refused')
    expect(l.check(task([]), dir)).toEqual({ refused: 'task "t" has an empty command' })
    expect(l.check(task('tool "open'), dir)).toHaveProperty('refused')
  })

  it.each([['./tool'], ['bin/tool'], ['']])(
    'rejects the allowed_commands entry %j (a name or an absolute path only)',
    (entry) => {
      expect(() => list([entry])).toThrow(/must be a program name \(looked up on PATH\) or an absolute path/)
    },
  )
})

describe('a command that starts with a bare gridcore (what run --command registers)', () => {
  const worker = task(['gridcore', 'worker', '--filter', 'sed -u s/a/b/', '--item-timeout', '30'])
  const own = [process.execPath, GRIDCORE_BIN, 'worker', '--filter', 'sed -u s/a/b/', '--item-timeout', '30']

  it('runs as this node’s own gridcore, whatever PATH holds (no gridcore on it here)', () => {
    expect(findProgram('gridcore', PATH, dir)).toBeUndefined()
    expect(list(['*']).check(worker, dir)).toEqual({ argv: own })
    expect(list(['gridcore'], true).check(worker, dir)).toEqual({ argv: own })
  })

  it('listing gridcore allows its worker only, and only with allow_shell (its filter is a shell line)', () => {
    expect(list(['gridcore']).check(worker, dir)).toEqual({
      refused: expect.stringMatching(
        /^task "t" runs gridcore's worker, whose filter is a shell command line, and this node refuses shell commands: allow it with --allow-command gridcore --allow-shell/,
      ),
    })
    expect(list(['gridcore'], true).check(task(['gridcore', 'push', '--redis', 'redis://x']), dir)).toEqual({
      refused: `task "t" runs "gridcore push": allowed_commands "gridcore" allows only gridcore's worker (gridcore run --command)`,
    })
    expect(list(['tool'], true).check(worker, dir)).toEqual({
      refused: expect.stringMatching(
        /^task "t" runs gridcore's worker \(gridcore run --command\), which this node does not allow: allow it with --allow-command gridcore --allow-shell/,
      ),
    })
  })

  it('is not looked up on PATH, and a list of gridcore alone allows no other program', () => {
    const l = list(['gridcore'], true)
    expect(l.missing).toEqual([])
    expect(l.check(task(['tool']), dir)).toEqual({
      refused: expect.stringMatching(/lists only gridcore \(its worker\)/),
    })
  })
})

describe('findProgram', () => {
  it('treats an empty PATH entry as the working directory, like execvp', () => {
    expect(findProgram('tool', `:${join(dir, 'noexec')}`, join(dir, 'evil'))).toBe(evil)
    expect(findProgram('tool', join(dir, 'noexec'), dir)).toBeUndefined()
  })
})
