// Scoped tokens against a real `gridcore hub start` serving HTTPS: made, listed and revoked through the CLI; a node
// token registering a task gets 403, a revoked or expired token 401 on its next call; the state file keeps digests.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, fetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { makeTestTls, type TestTls } from '../helpers/tls.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from '../hub/process.js'

const dir = tempDir()
const home = join(dir, 'home')
let tls: TestTls
let hub: HubProcess
let agent: Agent
const gc = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(args, {
    env: { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: 'adm', GRIDCORE_TOKEN: undefined, ...env },
  })

beforeAll(async () => {
  tls = await makeTestTls(join(dir, 'tls'))
  hub = await startHubProcess(dir, 'tokens', [], tls)
  agent = new Agent({ connect: { ca: tls.caPem } })
  const c = await gc([
    'connect',
    '--name',
    'adm',
    '--hub',
    hub.url,
    '--token',
    TOKEN,
    '--ca-fingerprint',
    tls.fingerprint,
  ])
  expect(c.stderr).toBe('')
  expect(c.code).toBe(0)
})
afterAll(async () => {
  await agent?.close()
  await hub?.stop()
})

/** A request to the hub with `token`, as any HTTP client would send it. */
async function as(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, text: await res.text() }
}

async function create(role: string, name: string, extra: string[] = []) {
  const r = await gc(['token', 'create', '--role', role, '--name', name, '--json', ...extra])
  expect(r.code, r.stderr).toBe(0)
  return r.json as {
    token: string
    name: string
    role: string
    expires: string | null
    join: string | null
    join_note: string | null
  }
}

describe('gridcore token', () => {
  it('create prints the token once; a node token may register a node but gets 403 registering a task', async () => {
    const made = await create('node', 'lab-pc-1')
    expect(made).toMatchObject({ name: 'lab-pc-1', role: 'node', expires: null, last_used: null })
    // The profile reaches the hub on loopback: no join string, and stderr says why.
    expect(made.join).toBeNull()
    expect(made.join_note).toMatch(/no join string: the profile reaches the hub at 127\.0\.0\.1/)
    const human = await gc(['token', 'create', '--role', 'read', '--name', 'viewer'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^Token "viewer" \(role read, never expires\):\ngct_[A-Za-z0-9_-]{43}\n/)

    const reg = await as(made.token, 'POST', '/gridnode/register', {
      hostname: 'lab-pc-1',
      architecture: 'x86_64',
      cpu_count: 2,
    })
    expect(reg.status).toBe(200)
    const task = await as(made.token, 'POST', '/api/tasks', { name: 'evil', command: ['sh', '-c', 'id'] })
    expect(task).toEqual({
      status: 403,
      text: "This token has the role 'node'; this route needs the role 'submit' (a submit or admin token)",
    })
    expect(JSON.parse((await as(TOKEN, 'GET', '/api/tasks')).text).current).toBeNull()
  })

  it('a revoked token gets 401 on its very next call, and revoke of an unknown name exits 6', async () => {
    const made = await create('submit', 'ci')
    expect((await as(made.token, 'GET', '/api/tasks')).status).toBe(200)
    const rv = await gc(['token', 'revoke', 'ci'])
    expect(rv).toMatchObject({ code: 0, stdout: 'Revoked token "ci".\n' })
    expect(await as(made.token, 'GET', '/api/tasks')).toEqual({ status: 401, text: '' })
    const again = await gc(['token', 'revoke', 'ci'])
    expect(again.code).toBe(6)
    expect(again.stderr).toMatch(
      /^gridcore: no token named "ci" on the hub at https:\/\/127\.0\.0\.1:\d+: gridcore token list shows the names\n$/,
    )
  })

  it('an expired token gets 401', async () => {
    const made = await create('read', 'short', ['--expires', '1s'])
    expect(Date.parse(made.expires!)).toBeGreaterThan(Date.now() - 5_000)
    expect((await as(made.token, 'GET', '/api/nodes')).status).toBe(200)
    await new Promise((r) => setTimeout(r, 1_300))
    expect((await as(made.token, 'GET', '/api/nodes')).status).toBe(401)
    const list = await gc(['token', 'list', '--json'])
    expect(list.json.tokens.find((t: { name: string }) => t.name === 'short')).toMatchObject({
      expired: true,
    })
  })

  it('a submit profile cannot make tokens (exit 5, naming the admin role); bad flags exit 2', async () => {
    const sub = await create('submit', 'laptop')
    const c = await gc([
      'connect',
      '--name',
      'sub',
      '--hub',
      hub.url,
      '--token',
      sub.token,
      '--ca-file',
      tls.paths.caCert,
    ])
    expect(c.code, c.stderr).toBe(0)
    const r = await gc(['token', 'create', '--role', 'node', '--cluster', 'sub'])
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(
      /refused POST \/api\/tokens for this token \(403\): This token has the role 'submit'; this route needs the role 'admin' \(an admin token\)/,
    )
    expect(r.stderr).not.toContain(sub.token)
    const bad = await gc(['token', 'create', '--role', 'root', '--cluster', 'adm'])
    expect(bad.code).toBe(2)
    const exp = await gc(['token', 'create', '--role', 'read', '--expires', '0d', '--cluster', 'adm'])
    expect(exp.code).toBe(2)
    expect(exp.stderr).toMatch(/^gridcore: --expires expects a positive duration/)
    for (const name of ['admin', 'has space', '-x']) {
      const badName = await gc(['token', 'create', '--role', 'read', '--name', name, '--cluster', 'adm'])
      expect(badName.code, name).toBe(2)
      expect(badName.stderr).toMatch(/^gridcore: --name /)
    }
    const dup = await gc(['token', 'create', '--role', 'read', '--name', 'laptop', '--cluster', 'adm'])
    expect(dup.code).toBe(6)
    expect(dup.stderr).toMatch(/a token named "laptop" already exists/)
  })
  it('list shows names, roles and times, never a token or digest; the state file holds digests only', async () => {
    const a = await create('submit', 'keep-me')
    await as(a.token, 'GET', '/api/whoami')
    const list = await gc(['token', 'list', '--json'])
    expect(list.code).toBe(0)
    const row = list.json.tokens.find((t: { name: string }) => t.name === 'keep-me')
    expect(Object.keys(row).sort()).toEqual(['created', 'expired', 'expires', 'last_used', 'name', 'role'])
    expect(row.last_used).not.toBeNull()
    expect(list.stdout).not.toContain(a.token)
    const human = await gc(['token', 'list'])
    expect(human.stdout).toMatch(/^NAME {2,}ROLE {2,}CREATED {2,}EXPIRES {2,}LAST USED\n/)
    expect(human.stdout).toMatch(/keep-me +submit +\S+ +never +\S+/)
    // SIGTERM flushes last use; the state file has digests and no token.
    await hub.stop()
    const state = readFileSync(join(dir, `tokens-${hub.port}.json`), 'utf8')
    expect(state).not.toContain(a.token)
    expect(state).not.toMatch(/gct_/)
    expect(state).toContain(createHash('sha256').update(a.token).digest('hex'))
    expect(
      JSON.parse(state).tokens.find((t: { name: string }) => t.name === 'keep-me').last_used,
    ).not.toBeNull()
  })
})
