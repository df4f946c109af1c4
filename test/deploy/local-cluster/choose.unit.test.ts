// The one place that decides engine, runtime and how Redis runs.
import { describe, expect, it } from 'vitest'
import { chooseEngine, chooseRedis, describeChoice } from '../../../src/deploy/local-cluster/choose.js'

const bins = { computehub: '/b/computehub', gridnode: '/b/gridnode', version: '0.3.0' }
const noEngine = 'no Docker engine answers at /var/run/docker.sock (ENOENT)'
const err = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return `${(e as { exitCode: number }).exitCode} ${(e as Error).message}`
  }
  throw new Error('expected an error')
}

describe('chooseEngine', () => {
  it('embedded unless native is asked, or auto finds the binaries and the docker runtime', () => {
    expect(chooseEngine('auto', 'auto', { docker: true })).toEqual({
      engine: 'embedded',
      runtime: 'auto',
      docker: true,
    })
    expect(chooseEngine('auto', 'process', { docker: 'x', binaries: bins })).toMatchObject({
      engine: 'embedded',
    })
    expect(chooseEngine('auto', 'docker', { docker: true, binaries: bins })).toMatchObject({
      engine: 'native',
      binaries: bins,
    })
    expect(chooseEngine('native', 'docker', { docker: true, binaries: bins })).toMatchObject({
      engine: 'native',
    })
  })

  it('--runtime docker with no engine fails at up, in one line with the fix (exit 3)', () => {
    expect(err(() => chooseEngine('auto', 'docker', { docker: noEngine }))).toBe(
      `3 ${noEngine}: start Docker, or use --runtime process (items run as local processes)`,
    )
  })

  it('native needs the binaries and the docker runtime', () => {
    expect(err(() => chooseEngine('native', 'docker', { docker: true }))).toMatch(
      /^3 the upstream binaries are not/,
    )
    expect(err(() => chooseEngine('native', 'process', { docker: 'x', binaries: bins }))).toMatch(
      /^3 the upstream gridnode runs only Docker containers/,
    )
  })

  it('auto runtime without an engine runs processes', () => {
    expect(chooseEngine('auto', 'auto', { docker: noEngine })).toMatchObject({
      runtime: 'auto',
      docker: false,
    })
  })
})

describe('chooseRedis', () => {
  const f = (redisServer: boolean, docker: true | string) => ({ redisServer, docker })
  it.each([
    ['url', { kind: 'url', url: 'redis://h:1' }, f(false, 'x'), false, { mode: 'url', install: false }],
    ['auto with redis-server', { kind: 'auto' }, f(true, true), false, { mode: 'binary', install: false }],
    ['auto, Docker only', { kind: 'auto' }, f(false, true), false, { mode: 'docker', install: false }],
    [
      'auto, nothing, --install-missing',
      { kind: 'auto' },
      f(false, 'x'),
      true,
      { mode: 'binary', install: true },
    ],
    [
      'local, Docker but no binary, --install-missing',
      { kind: 'local' },
      f(false, true),
      true,
      { mode: 'binary', install: true },
    ],
    [
      'docker even with a binary',
      { kind: 'docker' },
      f(true, true),
      false,
      { mode: 'docker', install: false },
    ],
  ] as const)('%s', (_name, req, facts, install, want) => {
    expect(chooseRedis(req, facts, install)).toEqual(want)
  })

  it('fails in one line naming the fix', () => {
    expect(err(() => chooseRedis({ kind: 'auto' }, f(false, noEngine), false))).toBe(
      '3 redis-server is not installed and no Docker engine answers for the redis image: install it (apt-get install redis-server / brew install redis), or pass --install-missing',
    )
    expect(err(() => chooseRedis({ kind: 'local' }, f(false, true), false))).toMatch(
      /^3 redis-server is not installed: install it/,
    )
    expect(err(() => chooseRedis({ kind: 'docker' }, f(true, noEngine), false))).toBe(
      `3 ${noEngine}: start Docker, or use --redis local (redis-server on this machine)`,
    )
  })
})

describe('describeChoice', () => {
  it('says what was chosen', () => {
    expect(describeChoice({ engine: 'embedded', runtime: 'auto', docker: false, redis: 'binary' })).toBe(
      'embedded engine, auto runtime (processes; no Docker engine), Redis via redis-server',
    )
    expect(describeChoice({ engine: 'native', runtime: 'docker', docker: true, redis: 'docker' })).toBe(
      'native engine, docker runtime, Redis via Docker',
    )
  })
})
