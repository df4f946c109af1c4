// Secrets never reach output: URL passwords and known tokens are masked.
import { describe, expect, it } from 'vitest'
import { redactText, redactUrl, urlPasswords } from '../../src/lib/redact.js'

describe('redactUrl', () => {
  it.each([
    ['redis://:secret@host:6379', 'redis://:***@host:6379'],
    ['redis://user:secret@host:6379/2', 'redis://user:***@host:6379/2'],
    ['rediss://default:p%40ss@h:1', 'rediss://default:***@h:1'],
    ['redis://host:6379', 'redis://host:6379'],
    ['redis://user@host', 'redis://user@host'],
  ])('%s -> %s', (input, out) => expect(redactUrl(input)).toBe(out))
})

describe('redactText', () => {
  it('masks every credentialed URL and the given secrets in free text', () => {
    const text = 'failed redis://:pw1@a:1 and redis://u:pw2@b:2 with token tok-123456'
    expect(redactText(text, ['tok-123456'])).toBe(
      'failed redis://:***@a:1 and redis://u:***@b:2 with token ***',
    )
  })
})

describe('redactText, edge cases', () => {
  it('masks URLs inside quotes and JSON, any scheme, and leaves URLs without a password alone', () => {
    expect(redactText('{"url":"rediss://default:p@ss@h:1"} \'amqp://u:x@q\'')).toBe(
      '{"url":"rediss://default:***@ss@h:1"} \'amqp://u:***@q\'',
    )
    expect(redactText('see http://host:8080/health and redis://user@h')).toBe(
      'see http://host:8080/health and redis://user@h',
    )
  })
  it('masks every occurrence of a known secret, but not secrets too short to mask safely', () => {
    expect(redactText('tok tok-abc and tok-abc', ['tok-abc', 'ab', undefined])).toBe('tok *** and ***')
  })
  it('masks a password with a malformed %-escape too', () => {
    expect(redactUrl('redis://:%zz@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379')
  })
})

describe('urlPasswords', () => {
  it('gives a URL’s password as written and %-decoded, or none', () => {
    expect(urlPasswords('redis://:p%40ss@h:6379')).toEqual(['p%40ss', 'p@ss'])
    expect(urlPasswords('rediss://user:plain@h')).toEqual(['plain'])
    expect(urlPasswords('redis://h:6379')).toEqual([])
    expect(urlPasswords('not a url')).toEqual([])
    expect(urlPasswords(null)).toEqual([])
  })
})
