// Task flags -> upstream TaskSpec: platform images, command splitting, Redis defaults.
import { describe, expect, it } from 'vitest'
import { buildTaskSpec, gpusArg, parsePlatformImage, splitArgv } from '../../src/cluster/tasks.js'

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

describe('--gpus', () => {
  it('puts a count or all on an image task', () => {
    expect(buildTaskSpec({ name: 't', image: 'i', gpus: '2' }).gpus).toBe(2)
    expect(buildTaskSpec({ name: 't', image: 'i', gpus: 'ALL' }).gpus).toBe('all')
    expect(buildTaskSpec({ name: 't', image: 'i' })).not.toHaveProperty('gpus')
  })

  it('refuses what is no count, and GPUs for a task without an image', () => {
    expect(() => gpusArg('0')).toThrow(
      '--gpus "0" is not a GPU count: use a whole number from 1 to 1024, or all (every GPU of the node)',
    )
    expect(() => gpusArg('1.5')).toThrow(/is not a GPU count/)
    expect(() => buildTaskSpec({ name: 't', command: 'python3 t.py', gpus: '1' })).toThrow(
      /^--gpus needs --image \(or --platform-image\): GPUs are given to containers/,
    )
  })
})
