// A node's worker group: set by flag, WORKER_GROUP or gridnode.toml (in that order), else detected from where it runs.
import { describe, expect, it } from 'vitest'
import { detectGroup, resolveGroup, type Surroundings } from '../../src/node/group.js'

const place = (
  paths: string[],
  env: NodeJS.ProcessEnv = {},
  platform: NodeJS.Platform = 'linux',
): Surroundings => ({
  exists: (p) => paths.includes(p),
  env,
  platform,
})

describe('detectGroup', () => {
  it.each([
    [place(['/.dockerenv', '/var/run/secrets/kubernetes.io']), 'docker'],
    [place(['/var/run/secrets/kubernetes.io']), 'k8s'],
    [place([], { KUBERNETES_SERVICE_HOST: '10.0.0.1' }), 'k8s'],
    [place([], {}, 'linux'), 'linux'],
    [place([], {}, 'darwin'), 'darwin'],
    [place([], {}, 'win32'), 'windows'],
    [place([], {}, 'freebsd'), 'default'],
  ])('%# -> %s', (s, group) => expect(detectGroup(s)).toBe(group))

  it('is gpu when nvidia-smi lists a GPU, wherever the node runs', () => {
    expect(detectGroup(place(['/.dockerenv']), 2)).toBe('gpu')
    expect(detectGroup(place([]), 1)).toBe('gpu')
    expect(detectGroup(place([]), 0)).toBe('linux')
  })
})

describe('resolveGroup', () => {
  const s = place(['/.dockerenv'])
  it('takes the flag, then WORKER_GROUP, then the file; each is explicit', () => {
    expect(resolveGroup('gpu', 'file', { WORKER_GROUP: 'env' }, s)).toEqual({ group: 'gpu', explicit: true })
    expect(resolveGroup(undefined, 'file', { WORKER_GROUP: 'env' }, s)).toEqual({
      group: 'env',
      explicit: true,
    })
    expect(resolveGroup(undefined, 'file', { WORKER_GROUP: '' }, s)).toEqual({
      group: 'file',
      explicit: true,
    })
  })
  it('detects the group when none is set (not explicit: such a node also runs default tasks)', () => {
    expect(resolveGroup(undefined, undefined, {}, s)).toEqual({ group: 'docker', explicit: false })
    expect(resolveGroup(undefined, undefined, {}, s, 1)).toEqual({ group: 'gpu', explicit: false })
  })
  it('an explicit group wins over GPUs', () => {
    expect(resolveGroup('cpu', undefined, {}, s, 4)).toEqual({ group: 'cpu', explicit: true })
    expect(resolveGroup(undefined, 'big', {}, s, 4)).toEqual({ group: 'big', explicit: true })
  })
  it('refuses a name that is not one, saying where it came from', () => {
    expect(() => resolveGroup('a b', undefined, {}, s)).toThrow(/--group "a b" is not a group name/)
    expect(() => resolveGroup(undefined, undefined, { WORKER_GROUP: '-x' }, s)).toThrow(/WORKER_GROUP "-x"/)
    expect(() => resolveGroup(undefined, 'x/y', {}, s)).toThrow(/group in gridnode.toml "x\/y"/)
  })
})
