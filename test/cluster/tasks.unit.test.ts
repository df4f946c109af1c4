// Task flags -> upstream TaskSpec: platform images, command splitting, Redis defaults.
import { describe, expect, it } from 'vitest'
import { buildTaskSpec, parsePlatformImage, splitArgv } from '../../src/cluster/tasks.js'

describe('parsePlatformImage', () => {
  it('accepts PLATFORM=IMAGE', () => {
    expect(parsePlatformImage('linux/arm64=reg/app:1')).toEqual(['linux/arm64', 'reg/app:1'])
    expect(parsePlatformImage('linux/arm/v7=app:v7')).toEqual(['linux/arm/v7', 'app:v7'])
  })
  it.each(['arm64=img', 'linux/arm64', 'linux/arm64=', '=img'])('rejects %s', (v) => {
    expect(() => parsePlatformImage(v)).toThrow(/is not PLATFORM=IMAGE/)
  })
})

describe('splitArgv', () => {
  it('splits like a shell', () => {
    expect(splitArgv(`python3 -u "my script.py" 'a b' c\\ d ""`)).toEqual([
      'python3',
      '-u',
      'my script.py',
      'a b',
      'c d',
      '',
    ])
  })
  it('rejects an unclosed quote', () => expect(() => splitArgv('echo "x')).toThrow(/unclosed/))
})

describe('buildTaskSpec', () => {
  it('defaults the input Redis to the profile’s and keeps the command as argv', () => {
    expect(buildTaskSpec({ name: 't', command: 'node c.js' }, 'redis://:p@h:1')).toEqual({
      name: 't',
      input_redis: 'redis://:p@h:1',
      command: ['node', 'c.js'],
    })
  })
  it('keeps a shell command as a string', () => {
    expect(buildTaskSpec({ name: 't', command: 'a | b', shell: true })).toEqual({
      name: 't',
      command: 'a | b',
      shell: true,
    })
  })
})
