// Flags + gridnode.toml + env -> the node's options, in one step: precedence, defaults, units, errors.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, freemem } from 'node:os'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createClusterCa, issueServerCert } from '../../src/net/ca.js'
import { detectGroup } from '../../src/node/group.js'
import { parseNodeOptions } from '../../src/node/options.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const home = join(dir, 'home')
const env: NodeJS.ProcessEnv = { GRIDCORE_HOME: home }
const toml = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('parseNodeOptions', () => {
  it('applies the defaults to a minimal gridnode.toml (durations in ms)', () => {
    const config = toml('min.toml', 'server_url = "http://127.0.0.1:8080/"\ntoken = "t"\n')
    expect(parseNodeOptions({ config }, env)).toEqual({
      configPath: config,
      serverUrl: 'http://127.0.0.1:8080',
      token: 't',
      nodeId: undefined,
      parallelism: availableParallelism(),
      adaptive: false,
      heartbeatMs: 30_000,
      pollMs: 10_000,
      stopTimeoutMs: 30_000,
      runtime: 'auto',
      containerMemoryMb: 1024,
      networkMode: undefined,
      allowedCommands: [],
      allowShell: false,
      group: detectGroup({ exists: existsSync, env, platform: process.platform }),
      groupExplicit: false,
      longPoll: true,
      stateDir: join(home, '.local', 'share', 'idm-gridcore', 'node'),
      volunteer: false,
    })
  })

  it('takes the file over the defaults and the flags over the file', () => {
    const config = toml(
      'full.toml',
      [
        'server_url = "http://file:1"',
        'token = "file-token"',
        'node_id = "file-id"',
        'parallelism = 3',
        'heartbeat_interval = 2',
        'task_poll_interval = 0.5',
        'stop_timeout = 4',
        'container_memory = 64',
        'runtime = "process"',
        'network_mode = "host"',
        'allowed_commands = ["python3"]',
        'allow_shell = true',
        'group = "g1"',
        'long_poll = false',
      ].join('\n'),
    )
    const fromFile = parseNodeOptions({ config }, env)
    expect(fromFile).toMatchObject({
      serverUrl: 'http://file:1',
      token: 'file-token',
      nodeId: 'file-id',
      parallelism: 3,
      heartbeatMs: 2000,
      pollMs: 500,
      stopTimeoutMs: 4000,
      containerMemoryMb: 64,
      runtime: 'process',
      networkMode: 'host',
      allowedCommands: ['python3'],
      allowShell: true,
      group: 'g1',
      groupExplicit: true,
      longPoll: false,
    })
    const fromFlags = parseNodeOptions(
      {
        config,
        'server-url': 'http://flag:2',
        token: 'flag-token',
        'node-id': 'flag-id',
        parallelism: 5,
        'heartbeat-interval': 300,
        'task-poll-interval': 200,
        'stop-timeout': 100,
        'container-memory': 128,
        runtime: 'docker',
        'network-mode': 'bridge',
        'allow-command': ['node', '/usr/bin/env'],
        'allow-shell': false,
        group: 'g2',
        'long-poll': true,
        'state-dir': join(dir, 'state'),
      },
      env,
    )
    expect(fromFlags).toEqual({
      configPath: config,
      serverUrl: 'http://flag:2',
      token: 'flag-token',
      nodeId: 'flag-id',
      parallelism: 5,
      adaptive: false,
      heartbeatMs: 300,
      pollMs: 200,
      stopTimeoutMs: 100,
      runtime: 'docker',
      containerMemoryMb: 128,
      networkMode: 'bridge',
      allowedCommands: ['node', '/usr/bin/env'],
      allowShell: false,
      group: 'g2',
      groupExplicit: true,
      longPoll: true,
      stateDir: join(dir, 'state'),
      volunteer: false,
    })
  })

  it('finds gridnode.toml where upstream looks ($IDM_GRIDCORE_CONFIG, then the user config dir)', () => {
    const config = toml('env.toml', 'server_url = "http://env:1"\ntoken = "t"\n')
    expect(parseNodeOptions({}, { ...env, IDM_GRIDCORE_CONFIG: config }).serverUrl).toBe('http://env:1')
    const userHome = join(dir, 'home2')
    mkdirSync(join(userHome, '.config', 'idm-gridcore'), { recursive: true })
    writeFileSync(
      join(userHome, '.config', 'idm-gridcore', 'gridnode.toml'),
      'server_url = "http://u:1"\ntoken = "t"\n',
    )
    const o = parseNodeOptions({}, { GRIDCORE_HOME: userHome })
    expect(o.serverUrl).toBe('http://u:1')
    expect(o.configPath).toBe(join(userHome, '.config', 'idm-gridcore', 'gridnode.toml'))
  })

  it('works from flags alone, and lets flags fill what the file lacks', () => {
    expect(parseNodeOptions({ 'server-url': 'http://h:1', token: 't' }, env)).toMatchObject({
      configPath: undefined,
      serverUrl: 'http://h:1',
    })
    const config = toml('no-url.toml', 'token = "t"\n')
    expect(parseNodeOptions({ config, 'server-url': 'http://h:2' }, env).serverUrl).toBe('http://h:2')
  })

  it('resolves relative program paths: a flag against the working directory, the file against its directory', () => {
    const config = toml(
      'rel.toml',
      'server_url = "http://h:1"\ntoken = "t"\nallowed_commands = ["./bin/tool", "python3", "*"]\n',
    )
    expect(parseNodeOptions({ config }, env).allowedCommands).toEqual([
      join(dir, 'bin', 'tool'),
      'python3',
      '*',
    ])
    expect(parseNodeOptions({ config, 'allow-command': ['./x/y'] }, env).allowedCommands).toEqual([
      join(process.cwd(), 'x', 'y'),
    ])
  })

  it.each([
    [
      {},
      /the node needs a hub: pass --config gridnode.toml \(server_url, token\) or --server-url and --token/,
    ],
    [
      { config: 'MISSING_URL' },
      /node config .*no-url2\.toml has no server_url: add server_url = "…" to it, or pass --server-url/,
    ],
    [
      { config: 'MISSING_TOKEN' },
      /node config .*no-token\.toml has no token: add token = "…" to it, or pass --token/,
    ],
    [{ 'server-url': 'ftp://h', token: 't' }, /hub URL "ftp:\/\/h" must start with http:\/\/ or https:\/\//],
    [{ 'server-url': 'nope', token: 't' }, /hub URL "nope" is not a valid URL/],
  ])('rejects %j in one line', (flags, err) => {
    const f = { ...flags } as Record<string, string>
    if (f.config === 'MISSING_URL') f.config = toml('no-url2.toml', 'token = "t"\n')
    if (f.config === 'MISSING_TOKEN') f.config = toml('no-token.toml', 'server_url = "http://h:1"\n')
    expect(() => parseNodeOptions(f, env)).toThrow(err)
  })

  it('reads ca_file (relative to the file; --ca-file to the working directory) and refuses what is no CA', async () => {
    const ca = await createClusterCa({ name: 'node-unit' })
    const server = await issueServerCert(ca, [])
    mkdirSync(join(dir, 'tls'), { recursive: true })
    writeFileSync(join(dir, 'tls', 'ca.pem'), ca.certPem)
    writeFileSync(join(dir, 'tls', 'server.pem'), server.certPem)
    const config = toml('ca.toml', 'server_url = "https://h:1"\ntoken = "t"\nca_file = "tls/ca.pem"\n')
    expect(parseNodeOptions({ config }, env)).toMatchObject({
      caFile: join(dir, 'tls', 'ca.pem'),
      caPem: ca.certPem,
    })
    const fromCwd = relative(process.cwd(), join(dir, 'tls', 'ca.pem'))
    expect(parseNodeOptions({ config, 'ca-file': fromCwd }, env).caFile).toBe(join(dir, 'tls', 'ca.pem'))
    expect(() => parseNodeOptions({ config, 'ca-file': join(dir, 'tls', 'server.pem') }, env)).toThrow(
      /^--ca-file .*server\.pem is not a CA certificate: point it at the cluster's ca\.pem$/,
    )
    const missing = toml('ca-missing.toml', 'server_url = "https://h:1"\ntoken = "t"\nca_file = "nope.pem"\n')
    expect(() => parseNodeOptions({ config: missing }, env)).toThrow(
      /^node config .*ca-missing\.toml: ca_file .*nope\.pem cannot be read \(ENOENT\): point it at the cluster's ca\.pem$/,
    )
  })

  it('parallelism = "auto" (or --parallelism auto) starts min(CPUs, free memory / container_memory), adaptive', () => {
    const base = 'server_url = "http://h:1"\ntoken = "t"\n'
    const file = toml('auto.toml', `${base}parallelism = "auto"\ncontainer_memory = 64\n`)
    const o = parseNodeOptions({ config: file }, env)
    expect(o.adaptive).toBe(true)
    const byMemory = Math.floor(freemem() / (64 * 1024 * 1024))
    // Free memory moves between the two reads: the count is the smaller bound within a step.
    expect(o.parallelism).toBeGreaterThanOrEqual(1)
    expect(o.parallelism).toBeLessThanOrEqual(Math.max(1, Math.min(availableParallelism(), byMemory + 1)))
    // A memory-hungry container_memory bounds it by memory; the flag overrides the file.
    const big = toml('auto-big.toml', `${base}parallelism = 4\ncontainer_memory = 1048576\n`)
    expect(parseNodeOptions({ config: big, parallelism: 'auto' }, env)).toMatchObject({
      parallelism: 1,
      adaptive: true,
    })
    expect(parseNodeOptions({ config: big }, env)).toMatchObject({ parallelism: 4, adaptive: false })
  })

  it('reports the GPUs nvidia-smi lists, which make the detected group gpu (an explicit group wins)', () => {
    const config = toml('gpu.toml', 'server_url = "http://h:1"\ntoken = "t"\n')
    const probe = () => ({ count: 2, path: '/usr/bin/nvidia-smi' })
    expect(parseNodeOptions({ config }, env, probe)).toMatchObject({
      gpus: 2,
      group: 'gpu',
      groupExplicit: false,
    })
    expect(parseNodeOptions({ config, group: 'g1' }, env, probe)).toMatchObject({ gpus: 2, group: 'g1' })
    const broken = parseNodeOptions({ config }, env, () => ({
      count: 0,
      path: '/x/nvidia-smi',
      error: 'no driver',
    }))
    expect(broken).toMatchObject({ gpus: 0, gpuError: '/x/nvidia-smi: no driver' })
    expect(broken.group).not.toBe('gpu')
    const none = parseNodeOptions({ config }, env, () => undefined)
    expect(none.gpus).toBeUndefined()
    expect(none.group).not.toBe('gpu')
  })

  it('a volunteer allows nothing unless its owner chose the process runtime or named programs', () => {
    const base = 'server_url = "http://h:1"\ntoken = "t"\n'
    const v = (extra: string, flags: Record<string, unknown> = {}) =>
      parseNodeOptions({ config: toml(`v-${Math.random()}.toml`, base + extra), ...flags }, env)
    expect(v('volunteer = true\n')).toMatchObject({ volunteer: true, runtime: 'auto', allowedCommands: [] })
    expect(v('volunteer = true\nruntime = "docker"\n').allowedCommands).toEqual([])
    expect(v('volunteer = true\nruntime = "process"\n').allowedCommands).toEqual(['*'])
    expect(v('volunteer = true\n', { runtime: 'process' }).allowedCommands).toEqual(['*'])
    expect(v('volunteer = true\nruntime = "process"\nallowed_commands = []\n').allowedCommands).toEqual([])
    expect(v('volunteer = true\n', { 'allow-command': ['python3'] }).allowedCommands).toEqual(['python3'])
    // Not a volunteer: the process runtime still allows only what allowed_commands lists.
    expect(v('runtime = "process"\n')).toMatchObject({ volunteer: false, allowedCommands: [] })
    expect(v('', { volunteer: true })).toMatchObject({ volunteer: true })
    expect(() => v('volunteer = "yes"\n')).toThrow(/"volunteer" must be true or false/)
  })
})
