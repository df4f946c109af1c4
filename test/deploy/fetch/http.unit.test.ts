// What an HTTP status means to gridcore fetch: a missing release or asset, GitHub's rate limit, other failures.
import { describe, expect, it } from 'vitest'
import { statusError } from '../../../src/deploy/fetch/http.js'

const url = 'https://api.github.com/repos/o/r/releases/tags/v9.9.9'

describe('statusError', () => {
  it('is nothing for a success', () => {
    expect(statusError(200, {}, url)).toBeUndefined()
    expect(statusError(204, {}, url, true)).toBeUndefined()
  })

  it('names a missing release or a missing asset', () => {
    expect(statusError(404, {}, url, true)?.message).toBe(
      `no such release at ${url} (404): check --version (e.g. 0.3.0)`,
    )
    expect(statusError(404, {}, 'https://dl/x')?.message).toBe(
      'https://dl/x is gone (404): try again later, or pass --build-from-source',
    )
  })

  it('recognises the rate limit (403 with no requests left, or 429) and says when it resets', () => {
    const limited = statusError(
      403,
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1800000000' },
      url,
      true,
    )
    expect(limited?.message).toBe(
      'the GitHub API rate limit is reached (resets at 08:00 UTC): try later, set GITHUB_TOKEN, or use the embedded engine (gridcore up --engine embedded)',
    )
    expect(statusError(429, {}, url, true)?.message).toMatch(
      /^the GitHub API rate limit is reached: try later/,
    )
  })

  it('reports any other failure with its status', () => {
    expect(statusError(403, { 'x-ratelimit-remaining': '12' }, url)?.message).toBe(
      `${url} answered 403: try again later`,
    )
    expect(statusError(502, {}, url)?.message).toBe(`${url} answered 502: try again later`)
  })

  it('is a CONFIG error (exit 3)', () => {
    expect(statusError(500, {}, url)?.code).toBe('CONFIG')
  })
})
