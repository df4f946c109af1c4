// The releases API: the URL for a version or the latest release, and reading what it answers.
import { describe, expect, it } from 'vitest'
import { parseRelease, releaseUrl } from '../../../src/deploy/fetch/release.js'

describe('releaseUrl', () => {
  it('asks for the latest release, or the v-tag of a version', () => {
    expect(releaseUrl('https://api.github.com', 'o/r')).toBe(
      'https://api.github.com/repos/o/r/releases/latest',
    )
    expect(releaseUrl('https://x', 'o/r', '0.3.0')).toBe('https://x/repos/o/r/releases/tags/v0.3.0')
    expect(releaseUrl('https://x', 'o/r', 'v0.3.0')).toBe('https://x/repos/o/r/releases/tags/v0.3.0')
  })
})

describe('parseRelease', () => {
  it('reads the tag, the version and the assets that have a name and a download URL', () => {
    const body = JSON.stringify({
      tag_name: 'v0.4.0',
      assets: [
        { name: 'a', browser_download_url: 'https://dl/a', size: 3 },
        { name: 'no-url' },
        null,
        { browser_download_url: 'https://dl/no-name' },
      ],
    })
    expect(parseRelease(body, 'u')).toEqual({
      tag: 'v0.4.0',
      version: '0.4.0',
      assets: [{ name: 'a', browser_download_url: 'https://dl/a', size: 3 }],
    })
    expect(parseRelease('{"tag_name":"0.5"}', 'u')).toEqual({ tag: '0.5', version: '0.5', assets: [] })
  })

  it('says so in one line when the answer is not a release', () => {
    for (const body of ['<html>proxy login</html>', '{"message":"Moved"}', '[]', ''])
      expect(() => parseRelease(body, 'https://mirror/repos/o/r/releases/latest')).toThrow(
        'https://mirror/repos/o/r/releases/latest did not answer a release (no tag_name): check --api-base and --repo',
      )
  })
})
