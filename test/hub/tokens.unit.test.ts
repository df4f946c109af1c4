// Scoped tokens through the app function: made once (the text never again), listed without digests, refused at once
// when revoked or expired, kept as digests in the saved state, whoami and the cluster's Redis URL.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HubState } from '../../src/hub/state.js'
import { fileTaskStore } from '../../src/hub/store.js'
import { tempDir } from '../helpers/tmp.js'
import { appFixture, TOKEN } from './fixture.js'

const DAY = 86_400_000
const dir = tempDir()

describe('scoped tokens', () => {
  it('creates a token once: 201 with its text, then only name, role and times; the state holds its digest', () => {
    const f = appFixture()
    const made = f.call('POST', '/api/tokens', { body: { role: 'submit', name: 'ci', expires_in: 3600 } })
    expect(made.status).toBe(201)
    expect(made.json).toMatchObject({
      name: 'ci',
      role: 'submit',
      created: '2026-01-01T00:00:00.000Z',
      expires: '2026-01-01T01:00:00.000Z',
      last_used: null,
      expired: false,
    })
    const token: string = made.json.token
    expect(token).toMatch(/^gct_[A-Za-z0-9_-]{43}$/)
    const listed = f.call('GET', '/api/tokens').json
    expect(listed).toEqual([
      {
        name: 'ci',
        role: 'submit',
        created: made.json.created,
        expires: made.json.expires,
        last_used: null,
        expired: false,
      },
    ])
    const saved = JSON.stringify(f.saved())
    expect(saved).not.toContain(token)
    expect(saved).toContain(createHash('sha256').update(token).digest('hex'))
    expect(f.logs.join('\n')).not.toContain(token)
  })

  it('names: a default per role, 409 for a taken name or "admin", 422 for a bad name, role or expiry', () => {
    const f = appFixture()
    expect(f.call('POST', '/api/tokens', { body: { role: 'node' } }).json.name).toMatch(/^node-[0-9a-f]{6}$/)
    f.call('POST', '/api/tokens', { body: { role: 'node', name: 'b1' } })
    expect(f.call('POST', '/api/tokens', { body: { role: 'read', name: 'b1' } })).toMatchObject({
      status: 409,
      text: "Token name 'b1' is already taken",
    })
    expect(f.call('POST', '/api/tokens', { body: { role: 'read', name: 'admin' } }).status).toBe(409)
    for (const body of [
      { role: 'root' },
      { role: 'read', name: 'has space' },
      { role: 'read', name: '' },
      { role: 'read', expires_in: 0 },
      { role: 'read', expires_in: 1.5 },
      { role: 'read', expires_in: -3 },
      { name: 'x' },
    ]) {
      expect(f.call('POST', '/api/tokens', { body }).status, JSON.stringify(body)).toBe(422)
    }
    expect(f.call('POST', '/api/tokens', { body: { role: 'root' } }).text).toContain(
      'unknown variant `root`, expected one of `admin`, `submit`, `node`, `read`',
    )
  })

  it('refuses a revoked token on its very next request, and a token past its expiry', () => {
    const f = appFixture()
    const t = f.call('POST', '/api/tokens', { body: { role: 'read', name: 'r1' } }).json.token
    const e = f.call('POST', '/api/tokens', { body: { role: 'read', name: 'r2', expires_in: 60 } }).json.token
    expect(f.call('GET', '/api/tasks', { auth: `Bearer ${t}` }).status).toBe(200)
    expect(f.call('POST', '/api/tokens/r1/revoke').json).toEqual({ revoked: 'r1' })
    expect(f.call('GET', '/api/tasks', { auth: `Bearer ${t}` }).status).toBe(401)
    expect(f.call('POST', '/api/tokens/r1/revoke')).toMatchObject({ status: 404, text: 'Token r1 not found' })
    expect(f.call('GET', '/api/tasks', { auth: `Bearer ${e}` }).status).toBe(200)
    f.advance(60_000)
    expect(f.call('GET', '/api/tasks', { auth: `Bearer ${e}` }).status).toBe(401)
    expect(f.call('GET', '/api/tokens').json).toEqual([
      expect.objectContaining({ name: 'r2', expired: true }),
    ])
  })

  it('records when a token was last used, and keeps tokens across a restart (from the saved state)', () => {
    const f = appFixture()
    const t = f.call('POST', '/api/tokens', { body: { role: 'node', name: 'n1', expires_in: 30 * 86_400 } })
    f.advance(DAY)
    f.call('POST', '/gridnode/register', {
      body: { hostname: 'h', architecture: 'x86_64', cpu_count: 1 },
      auth: `Bearer ${t.json.token}`,
    })
    expect(f.call('GET', '/api/tokens').json[0].last_used).toBe('2026-01-02T00:00:00.000Z')
    expect(f.state.tokens.changed).toBe(true)
    const again = appFixture(JSON.parse(JSON.stringify(f.state.snapshot())))
    expect(again.call('GET', '/api/whoami', { auth: `Bearer ${t.json.token}` }).json).toEqual({
      role: 'node',
      name: 'n1',
    })
  })

  it('whoami answers any valid token with its role and name; the hub token is admin', () => {
    const f = appFixture()
    expect(f.call('GET', '/api/whoami').json).toEqual({ role: 'admin', name: 'admin' })
    const t = f.call('POST', '/api/tokens', { body: { role: 'read', name: 'viewer' } }).json.token
    expect(f.call('GET', '/api/whoami', { auth: `Bearer ${t}` }).json).toEqual({
      role: 'read',
      name: 'viewer',
    })
    expect(f.call('GET', '/api/whoami', { auth: false }).status).toBe(401)
  })

  it('GET /api/cluster gives the configured Redis URL to submit and admin tokens, null when none is set', () => {
    const f = appFixture(undefined, undefined, { redisUrl: 'rediss://:pw@10.0.0.5:6379' })
    const submit = f.call('POST', '/api/tokens', { body: { role: 'submit' } }).json.token
    expect(f.call('GET', '/api/cluster', { auth: `Bearer ${submit}` }).json).toEqual({
      redis_url: 'rediss://:pw@10.0.0.5:6379',
    })
    expect(appFixture().call('GET', '/api/cluster').json).toEqual({ redis_url: null })
  })

  it('loads state files written before tokens existed, and refuses a token entry without a digest', () => {
    const s = new HubState()
    expect(s.tokens.list()).toEqual([])
    expect(s.snapshot().tokens).toEqual([])
    const file = join(dir, 'state.json')
    const v1 = { version: 1, tasks: [], currentIndex: null }
    writeFileSync(file, JSON.stringify(v1))
    expect(fileTaskStore(file).load()?.tokens).toBeUndefined()
    const entry = { name: 'x', role: 'read', created: '2026-01-01T00:00:00Z', expires: null, last_used: null }
    writeFileSync(file, JSON.stringify({ ...v1, tokens: [entry] }))
    expect(() => fileTaskStore(file).load()).toThrow(/a token entry lacks a name, role or digest/)
    const token = { ...entry, digest: createHash('sha256').update(TOKEN).digest('hex') }
    writeFileSync(file, JSON.stringify({ ...v1, tokens: [token] }))
    expect(fileTaskStore(file).load()?.tokens).toEqual([token])
    // Saved and loaded again: the tokens ride along with the version 2 task list.
    const store = fileTaskStore(file)
    const state = new HubState(store.load())
    state.tokens.create({ role: 'node', name: 'n2' })
    store.save(state.snapshot())
    expect(new HubState(store.load()).tokens.list().map((t) => t.name)).toEqual(['x', 'n2'])
  })
})

describe('what a read token sees', () => {
  it('task specs and error reports with Redis passwords masked; submit and admin see them whole', () => {
    const f = appFixture()
    const url = 'rediss://:s3cr%40t@10.0.0.5:6379/0'
    f.call('POST', '/api/tasks', { body: { name: 'job', image: 'img', input_redis: url, output_redis: url } })
    const read = f.call('POST', '/api/tokens', { body: { role: 'read' } }).json.token
    const submit = f.call('POST', '/api/tokens', { body: { role: 'submit' } }).json.token
    const asRead = f.call('GET', '/api/tasks/current', { auth: `Bearer ${read}` })
    expect(asRead.json).toMatchObject({
      name: 'job',
      input_redis: 'rediss://:***@10.0.0.5:6379/0',
      output_redis: 'rediss://:***@10.0.0.5:6379/0',
    })
    expect(asRead.text).not.toContain('s3cr')
    const head = f.call('HEAD', '/api/tasks/current', { auth: `Bearer ${read}` })
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(asRead.text)))
    expect(f.call('GET', '/api/tasks/job', { auth: `Bearer ${read}` }).text).not.toContain('s3cr')
    expect(f.call('GET', '/api/tasks/current', { auth: `Bearer ${submit}` }).json.input_redis).toBe(url)
    expect(f.call('GET', '/api/tasks/current').json.input_redis).toBe(url)
  })
})
