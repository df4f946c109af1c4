// Profiles: round trip through skill.toml + credentials.toml, secrets only in the 0600 file.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadProfile, removeProfile, saveProfile } from '../../src/cluster/profiles.js'
import { resolveCluster } from '../../src/cluster/resolve.js'
import { paths } from '../../src/lib/paths.js'
import { createClusterCa } from '../../src/net/ca.js'
import { joinRedisUrl, splitRedisUrl } from '../../src/redis/url.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()

describe('profiles', () => {
  it('round-trips, keeps other clusters, and splits the Redis password out of skill.toml', () => {
    const p = paths({ GRIDCORE_HOME: join(dir, 'h1') })
    saveProfile({ name: 'a', hubUrl: 'http://a:8080', token: 'ta', redisUrl: 'redis://:p%40ss@a:6379/1' }, p)
    saveProfile({ name: 'b', hubUrl: 'http://b:8080', token: 'tb' }, p)
    expect(loadProfile('a', p)).toEqual({
      name: 'a',
      hubUrl: 'http://a:8080',
      token: 'ta',
      redisUrl: 'redis://:p%40ss@a:6379/1',
    })
    expect(loadProfile('b', p)).toEqual({
      name: 'b',
      hubUrl: 'http://b:8080',
      token: 'tb',
      redisUrl: undefined,
    })
    expect(readFileSync(p.skillToml, 'utf8')).not.toMatch(/p%40ss|p@ss|ta"|tb"/)
    expect(readFileSync(p.credentialsToml, 'utf8')).toContain('redis_password = "p@ss"')
    expect(statSync(p.credentialsToml).mode & 0o777).toBe(0o600)
    expect(() => resolveCluster(undefined, p)).toThrow(/several clusters are configured \(a, b\)/)
    expect(resolveCluster('b', p).hubUrl).toBe('http://b:8080')
  })

  it('GRIDCORE_HOME moves every path under it', () => {
    const p = paths({ GRIDCORE_HOME: '/x' })
    expect(p.skillDir).toBe('/x/.config/agents/skills/idm-gridcore')
    expect(p.localClusterJson).toBe('/x/.config/agents/skills/idm-gridcore/state/local_cluster.json')
    expect(p.binDir).toBe('/x/.local/share/idm-gridcore/bin')
    expect(p.upstreamConfigDir).toBe('/x/.config/idm-gridcore')
  })

  it('honours XDG dirs without the override', () => {
    const p = paths({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: '/data' })
    expect(p.skillToml).toBe('/cfg/agents/skills/idm-gridcore/skill.toml')
    expect(p.binDir).toBe('/data/idm-gridcore/bin')
  })
})

describe('Redis URL split', () => {
  it('separates and rejoins the password', () => {
    expect(splitRedisUrl('redis://user:pw@h:1/2')).toEqual({
      publicUrl: 'redis://user@h:1/2',
      password: 'pw',
    })
    expect(splitRedisUrl('redis://:pw@h:1')).toEqual({ publicUrl: 'redis://h:1', password: 'pw' })
    expect(joinRedisUrl('redis://h:1', 'a b')).toBe('redis://:a%20b@h:1')
  })

  it('keeps a cluster CA beside credentials (0644 in a 0700 dir), pinned in skill.toml, checked when loaded', async () => {
    const p = paths({ GRIDCORE_HOME: join(dir, 'h-ca') })
    const ca = await createClusterCa({ name: 'unit' })
    const other = await createClusterCa({ name: 'other' })
    const file = join(p.skillDir, 'ca', 'lab.pem')
    saveProfile(
      {
        name: 'lab',
        hubUrl: 'https://10.0.0.5:8443',
        token: 'gct_x',
        ca: { pem: ca.certPem, fingerprint: ca.fingerprint, file: '/elsewhere.pem' },
        role: 'submit',
        advertise: '10.0.0.5',
      },
      p,
    )
    expect(readFileSync(file, 'utf8')).toBe(ca.certPem)
    expect(statSync(file).mode & 0o777).toBe(0o644)
    expect(statSync(join(p.skillDir, 'ca')).mode & 0o777).toBe(0o700)
    const skill = readFileSync(p.skillToml, 'utf8')
    expect(skill).toContain(`ca_file = "${file}"`)
    expect(skill).toContain(`ca_fingerprint = "${ca.fingerprint}"`)
    expect(loadProfile('lab', p)).toEqual({
      name: 'lab',
      hubUrl: 'https://10.0.0.5:8443',
      token: 'gct_x',
      redisUrl: undefined,
      ca: { pem: ca.certPem, fingerprint: ca.fingerprint, file },
      role: 'submit',
      advertise: '10.0.0.5',
    })
    // Only the fingerprint: the CA is read from its default place.
    writeFileSync(p.skillToml, skill.replace(/^ca_file = .*\n/m, ''))
    expect(loadProfile('lab', p)?.ca?.file).toBe(file)
    // A CA that is not the pinned one, a bad pin, a missing file: one CONFIG line each.
    writeFileSync(file, other.certPem)
    expect(() => loadProfile('lab', p)).toThrow(
      new RegExp(`the CA file ${file} is ${other.fingerprint} but the profile pins ${ca.fingerprint}`),
    )
    writeFileSync(p.skillToml, skill.replace(ca.fingerprint, 'sha256:abc'))
    expect(() => loadProfile('lab', p)).toThrow(/ca_fingerprint is not sha256:<64 hex digits>/)
    writeFileSync(p.skillToml, skill.replace(file, '/nope/ca.pem'))
    expect(() => loadProfile('lab', p)).toThrow(
      /names the CA file \/nope\/ca\.pem, which cannot be read \(ENOENT\)/,
    )
    writeFileSync(p.skillToml, skill)
    expect(removeProfile('lab', p)).toBe(true)
    expect(existsSync(file)).toBe(false)
  })
})
