// Request targets: origin and absolute form, invalid ones, lenient %-decoding of path segments and queries.
import { describe, expect, it } from 'vitest'
import { decodeSegment, lastQueryValue, parseTarget } from '../../src/hub/target.js'

describe('parseTarget', () => {
  it.each([
    ['/api/tasks', '/api/tasks', ''],
    ['/gridnode/task?platform=linux/arm64', '/gridnode/task', 'platform=linux%2Farm64'],
    ['/a%2Fb?x=%zz', '/a%2Fb', 'x=%25zz'],
    ['//', '//', ''],
    ['*', '*', ''],
    ['http://hub:8080/api/tasks?x=1', '/api/tasks', 'x=1'],
    ['https://[::1]:8080/health', '/health', ''],
    ['http://hub', '/', ''],
    ['http://hub?x=1', '/', 'x=1'],
  ])('%s -> path %s', (raw, path, query) => {
    const t = parseTarget(raw)!
    expect(t.path).toBe(path)
    expect(t.query.toString()).toBe(query)
  })

  it.each([
    'http://[',
    'http://',
    'http://a b/',
    '%',
    '%zz',
    'api/tasks',
    '',
    '/a b',
    '/a\tb',
    '/\x00',
    'mailto:x',
    'http:/x',
  ])('refuses %j', (raw) => {
    expect(parseTarget(raw)).toBeNull()
  })

  it('decodes queries like serde_urlencoded: bad escapes stay, bad UTF-8 becomes U+FFFD, the last value wins', () => {
    const q = parseTarget('/t?platform=%zz&node_id=%E0%A4%A&x=1&x=2&plus=a+b')!.query
    expect(q.get('platform')).toBe('%zz')
    expect(q.get('node_id')).toBe('\ufffd%A')
    expect(lastQueryValue(q, 'x')).toBe('2')
    expect(lastQueryValue(q, 'missing')).toBeUndefined()
    expect(q.get('plus')).toBe('a b')
  })
})

describe('decodeSegment', () => {
  it.each([
    ['abc', 'abc'],
    ['%zz', '%zz'],
    ['%', '%'],
    ['%4', '%4'],
    ['a%2Fb', 'a/b'],
    ['%C3%A9t%C3%A9', 'été'],
    ['%F0%9F%98%80', '\u{1F600}'],
    ['%25zz', '%zz'],
    ['%5F%5Fproto%5F%5F', '__proto__'],
    ['é', 'é'],
  ])('%s -> %s', (raw, decoded) => {
    expect(decodeSegment(raw)).toBe(decoded)
  })

  it.each(['%E0%A4%A', '%FF', '%C3', '%C3%28', '%ED%A0%80', '%C0%AF'])('%s is not UTF-8: null', (raw) => {
    expect(decodeSegment(raw)).toBeNull()
  })
})
