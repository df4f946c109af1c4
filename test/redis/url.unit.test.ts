// Redis URLs are checked at the edge: scheme, host and %-escapes, in one line naming where the URL came from,
// with the password redacted; the public part and the password split and join back.
import { describe, expect, it } from 'vitest'
import { joinRedisUrl, parseRedisUrl, RedisUrl, splitRedisUrl } from '../../src/redis/url.js'

describe('parseRedisUrl', () => {
  it('accepts redis:// and rediss:// with or without credentials and db', () => {
    for (const url of [
      'redis://127.0.0.1:6379',
      'rediss://u:p%40ss@h:1/2',
      'redis://[::1]:6380',
      'redis://h',
    ])
      expect(parseRedisUrl(url).hostname).toBeTruthy()
  })

  it.each([
    ['localhost:6379', 'must start with redis:// or rediss://'],
    ['http://h:1', 'must start with redis:// or rediss://'],
    ['not a url', 'is not a valid URL: expected redis://host:port[/db]'],
    ['redis://:%zz@127.0.0.1:6379', 'has a malformed %-escape in its password: write a literal % as %25'],
    ['redis://u%e0%a4@h:1', 'has a malformed %-escape in its user name'],
  ])('refuses %s', (url, why) => {
    expect(() => parseRedisUrl(url)).toThrow(why)
  })

  it('names where the URL came from, keeps the password out, and takes the exit code of its origin', () => {
    const err = (() => {
      try {
        parseRedisUrl('redis://:se%zzcret@h:1', { where: 'skill.toml [cluster.p] redis_url', code: 'CONFIG' })
      } catch (e) {
        return e as Error & { exitCode: number }
      }
    })()!
    expect(err.message).toMatch(
      /^skill\.toml \[cluster\.p\] redis_url: Redis URL "redis:\/\/:\*\*\*@h:1" has a/,
    )
    expect(err.message).not.toContain('cret')
    expect(err.exitCode).toBe(3)
    expect(() => parseRedisUrl('nope', { where: '--redis' })).toThrow(/^--redis: Redis URL "nope"/)
  })
})

describe('splitRedisUrl / joinRedisUrl', () => {
  it.each([
    ['redis://:p%40ss%25@h:1/0', 'redis://h:1/0', 'p@ss%'],
    ['redis://user:pw@h:1', 'redis://user@h:1', 'pw'],
    ['redis://h:1', 'redis://h:1', undefined],
  ])('%s', (url, publicUrl, password) => {
    expect(splitRedisUrl(url)).toEqual({ publicUrl, password })
    expect(new URL(joinRedisUrl(publicUrl, password)).href).toBe(new URL(url).href)
  })
})

describe('RedisUrl', () => {
  it('is parsed once and prints redacted wherever it goes (string, template, JSON)', () => {
    const u = RedisUrl.parse('redis://:s3cret@127.0.0.1:6390/2')
    expect(u.href).toBe('redis://:s3cret@127.0.0.1:6390/2')
    expect(u.shown).toBe('redis://:***@127.0.0.1:6390/2')
    expect(`${u}`).toBe(u.shown)
    expect(JSON.stringify({ redis: u })).toBe('{"redis":"redis://:***@127.0.0.1:6390/2"}')
    expect(u.parts.port).toBe('6390')
    expect(RedisUrl.of(u)).toBe(u)
    expect(RedisUrl.of('redis://h:1').shown).toBe('redis://h:1')
  })

  it('refuses what parseRedisUrl refuses, naming the origin', () => {
    expect(() => RedisUrl.parse('http://h:1', { where: '--redis' })).toThrow(
      '--redis: Redis URL "http://h:1" must start with redis:// or rediss://',
    )
  })
})
