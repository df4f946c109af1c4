// Bad input: one line on stderr, a documented non-zero exit, no stack trace and no file written.
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { freePort } from '../helpers/ports.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
let redis: TestRedis
let closedPort: number
const base = join(dir, 'base-home')

beforeAll(async () => {
  hub = await startTestHub({ dir })
  redis = await startTestRedis()
  closedPort = await freePort()
  const r = await runCli(
    ['connect', '--name', 'prod', '--hub', hub.url, '--token', hub.token, '--redis', redis.url],
    {
      env: { GRIDCORE_HOME: base },
    },
  )
  expect(r.code).toBe(0)
  mkdirSync(join(dir, 'a-directory'))
  writeFileSync(join(dir, 'broken.toml'), 'bind = "127.0.0.1:1\ntoken = \n')
})
afterAll(async () => {
  await hub.stop()
  await redis.stop()
})

/** Every file under a directory with its content, to prove nothing was written. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out[relative(root, p)] = `${statSync(p).mode.toString(8)} ${readFileSync(p, 'utf8')}`
    }
  }
  walk(root)
  return out
}

type Case = [
  name: string,
  args: () => string[],
  exit: number,
  pattern: RegExp,
  setup?: (home: string) => void,
]
const cases: Case[] = [
  [
    'unknown cluster name',
    () => ['task', 'list', '--cluster', 'nope'],
    3,
    /unknown cluster "nope" \(known clusters: prod\)/,
  ],
  [
    'malformed hub URL',
    () => ['connect', '--name', 'x', '--hub', 'not a url', '--token', 't'],
    2,
    /hub URL "not a url" is not a valid URL/,
  ],
  [
    'hub URL with a wrong scheme',
    () => ['connect', '--name', 'x', '--hub', 'ftp://h:1', '--token', 't'],
    2,
    /must start with http/,
  ],
  [
    'malformed Redis URL',
    () => ['connect', '--name', 'x', '--hub', hub.url, '--token', hub.token, '--redis', 'localhost:6379'],
    2,
    /Redis URL/,
  ],
  [
    'hub down',
    () => ['connect', '--name', 'x', '--hub', `http://127.0.0.1:${closedPort}`, '--token', 't'],
    4,
    /cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
  ],
  [
    'wrong token',
    () => ['connect', '--name', 'x', '--hub', hub.url, '--token', 'wrong-token'],
    5,
    /rejected the token \(401\)/,
  ],
  [
    'wrong Redis password',
    () => [
      'connect',
      '--name',
      'x',
      '--hub',
      hub.url,
      '--token',
      hub.token,
      '--redis',
      `redis://:wrong@127.0.0.1:${redis.port}`,
    ],
    5,
    /WRONGPASS/,
  ],
  [
    'Redis down',
    () => [
      'connect',
      '--name',
      'x',
      '--hub',
      hub.url,
      '--token',
      hub.token,
      '--redis',
      `redis://:pw@127.0.0.1:${closedPort}`,
    ],
    7,
    /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/,
  ],
  [
    'bad cluster name',
    () => ['connect', '--name', 'bad name!', '--hub', hub.url, '--token', hub.token],
    2,
    /cluster name "bad name!" is not valid/,
  ],
  ['task without name', () => ['task', 'register', '--image', 'x'], 2, /Missing required flag name/],
  ['task with nothing to run', () => ['task', 'register', '--name', 'x'], 2, /needs something to run/],
  [
    'bad --platform-image',
    () => ['task', 'register', '--name', 'x', '--platform-image', 'arm64:img'],
    2,
    /--platform-image "arm64:img" is not PLATFORM=IMAGE/,
  ],
  ['unknown flag', () => ['task', 'list', '--bogus'], 2, /Nonexistent flag: --bogus/],
  [
    'corrupted credentials.toml',
    () => ['task', 'list'],
    3,
    /credentials\.toml .* is not valid TOML at line 1/,
    (home) => writeFileSync(paths({ GRIDCORE_HOME: home }).credentialsToml, '[cluster.prod\ntoken="x"'),
  ],
  [
    'connect over a corrupted credentials.toml',
    () => ['connect', '--name', 'new', '--hub', hub.url, '--token', hub.token],
    3,
    /credentials\.toml .* is not valid TOML/,
    (home) => writeFileSync(paths({ GRIDCORE_HOME: home }).credentialsToml, 'token = = 1'),
  ],
  [
    'unreadable hub config (a directory)',
    () => ['hub', 'start', '--config', join(dir, 'a-directory')],
    3,
    /cannot read hub config .*a-directory \(EISDIR\)/,
  ],
  [
    'missing hub config',
    () => ['hub', 'start', '--config', join(dir, 'missing.toml')],
    3,
    /hub config .*missing\.toml does not exist/,
  ],
  [
    'hub config that is not TOML',
    () => ['hub', 'start', '--config', join(dir, 'broken.toml')],
    3,
    /broken\.toml is not valid TOML at line 1/,
  ],
  [
    'bad --bind',
    () => ['hub', 'start', '--bind', 'localhost', '--token', 't'],
    2,
    /bind address "localhost" is not HOST:PORT/,
  ],
  [
    'bad --node-timeout',
    () => ['hub', 'start', '--token', 't', '--node-timeout', '-1'],
    2,
    /--node-timeout expects a positive duration such as 500ms, 30s, 2m, 1h or 30d \(a bare number is seconds\), got "-1"/,
  ],
  [
    'bad --parallelism',
    () => ['node', 'start', '--server-url', hub.url, '--token', 't', '--parallelism', 'lots'],
    2,
    /--parallelism "lots" is not a count: use a whole number of at least 1, or auto/,
  ],
  [
    'bad --gpus',
    () => ['task', 'register', '--cluster', 'prod', '--name', 'g', '--image', 'i', '--gpus', 'many'],
    2,
    /--gpus "many" is not a GPU count: use a whole number from 1 to 1024, or all/,
  ],
  [
    '--gpus for a command',
    () => [
      'run',
      '--cluster',
      'prod',
      '--command',
      'cat',
      '--gpus',
      '1',
      '--range',
      '1..2',
      '-o',
      join(dir, 'never'),
    ],
    2,
    /--gpus needs --image: GPUs are given to containers, not to a command/,
  ],
  [
    'a duration that is not one',
    () => ['watch', '--redis', redis.url, '--queue', 'q', '--timeout', '3x'],
    2,
    /--timeout expects a positive duration such as 500ms, 30s, 2m, 1h or 30d \(a bare number is seconds\), got "3x"/,
  ],
  // A name near no command ("bogus" is two edits from logs, and gets "did you mean gridcore logs?").
  [
    'unknown command',
    () => ['frobnicate'],
    2,
    /unknown command "frobnicate": gridcore --help lists the commands/,
  ],
  [
    'unknown command in a topic, with a near name',
    () => ['task', 'lst'],
    2,
    /unknown command "task lst": did you mean gridcore task list\? gridcore --help lists the commands/,
  ],
  [
    'state file that is not JSON: down says how to clear it (not "run gridcore down")',
    () => ['down'],
    3,
    /^(?!.*gridcore down).*local_cluster\.json is not valid JSON: if no local cluster runs, move it aside \(mv \S+local_cluster\.json \S+local_cluster\.json\.bak\), then gridcore up$/,
    (home) => writeState(home, '{"mode": "local", "computehub": '),
  ],
  [
    'state file with a bad hub URL',
    () => ['down'],
    3,
    /local_cluster\.json has a computehub\.url that is not an http:\/\/ URL \("not a url"\): .*\.bak\), then gridcore up$/,
    (home) => writeState(home, JSON.stringify({ mode: 'local', computehub: { url: 'not a url' } })),
  ],
  [
    'state file with a bad hub URL, for a cluster command',
    () => ['task', 'list'],
    3,
    /local_cluster\.json has a computehub\.url that is not an http:\/\/ URL/,
    (home) => writeState(home, JSON.stringify({ mode: 'local', computehub: { url: 'not a url' } })),
  ],
  [
    'Redis URL with a bad %-escape in --redis',
    () => ['queue', 'stats', '--queue', 'q', '--redis', 'redis://:%zz@127.0.0.1:6379'],
    2,
    /^gridcore: --redis: Redis URL "redis:\/\/:\*\*\*@127\.0\.0\.1:6379" has a malformed %-escape in its password: write a literal % as %25/,
  ],
  [
    'Redis URL with a bad %-escape in connect --redis',
    () => ['connect', '--name', 'x', '--hub', hub.url, '--token', hub.token, '--redis', 'redis://:%zz@h:1'],
    2,
    /--redis: Redis URL "redis:\/\/:\*\*\*@h:1" has a malformed %-escape/,
  ],
  [
    'Redis URL with a bad %-escape in a profile',
    () => ['queue', 'stats', '--queue', 'q'],
    3,
    /skill\.toml \[cluster\.prod\] redis_url: Redis URL "redis:\/\/u%zz@127\.0\.0\.1:\d+" has a malformed %-escape in its user name/,
    (home) => {
      const file = paths({ GRIDCORE_HOME: home }).skillToml
      writeFileSync(file, readFileSync(file, 'utf8').replace('redis://127.0.0.1', 'redis://u%zz@127.0.0.1'))
    },
  ],
  [
    'task finish with nothing running',
    () => ['task', 'finish'],
    6,
    /nothing is running on cluster "prod", so there is no task to finish: see gridcore task list/,
  ],
]

function writeState(home: string, text: string): void {
  const p = paths({ GRIDCORE_HOME: home })
  mkdirSync(p.stateDir, { recursive: true })
  writeFileSync(p.localClusterJson, text)
}

describe.concurrent('bad input', () => {
  let n = 0
  it.each(cases)('%s', async (_name, args, exit, pattern, setup) => {
    const home = join(dir, `home-${n++}`)
    cpSync(base, home, { recursive: true })
    setup?.(home)
    const before = snapshot(home)
    for (const json of [false, true]) {
      const r = await runCli(json ? [...args(), '--json'] : args(), { env: { GRIDCORE_HOME: home } })
      expect(r.code, r.stderr).toBe(exit)
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines, r.stderr).toHaveLength(1)
      expect(lines[0]).toMatch(/^gridcore: /)
      expect(lines[0]).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stderr).not.toContain(redis.password)
      expect(r.stderr).not.toContain(hub.token)
      if (json) {
        expect(r.json.error).toMatchObject({ exit_code: exit, message: lines[0]!.slice('gridcore: '.length) })
      } else expect(r.stdout).toBe('')
    }
    expect(snapshot(home)).toEqual(before)
  })
})
