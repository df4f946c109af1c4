// The Lua include joiner: nested includes, each file once, cycles and missing files named.
import { describe, expect, it } from 'vitest'
import { joinIncludes } from '../../src/queue/lua-include.js'

const files = (map: Record<string, string>) => (path: string) => {
  const text = map[path]
  if (text === undefined) throw new Error(`ENOENT: ${path}`)
  return text
}

describe('joinIncludes', () => {
  it('replaces an include line by the file, relative to the including file', () => {
    const read = files({
      '/l/take.lua': 'local a = KEYS[1]\n--- @include "includes/f.lua"\nreturn f()\n',
      '/l/includes/f.lua': 'local function f() return 1 end\n',
    })
    expect(joinIncludes('/l/take.lua', read)).toBe(
      'local a = KEYS[1]\nlocal function f() return 1 end\nreturn f()\n',
    )
  })

  it('joins nested includes and each file only once, at its first include', () => {
    const read = files({
      '/l/s.lua': '--- @include "includes/a.lua"\n--- @include "includes/b.lua"\nbody\n',
      '/l/includes/a.lua': 'A\n',
      '/l/includes/b.lua': '--- @include "a.lua"\nB\n',
    })
    expect(joinIncludes('/l/s.lua', read)).toBe('A\n-- (a.lua is included above)\nB\nbody\n')
  })

  it('leaves text without includes alone (already joined scripts)', () => {
    const text = '-- take\nlocal x = 1\n-- @include is only a directive on its own line with three dashes\n'
    expect(joinIncludes('/l/x.lua', files({ '/l/x.lua': text }))).toBe(text)
  })

  it('names a missing include and a cycle, with the line', () => {
    expect(() => joinIncludes('/l/s.lua', files({ '/l/s.lua': 'x\n--- @include "nope.lua"\n' }))).toThrow(
      '/l/s.lua:2: cannot include nope.lua: ENOENT: /l/nope.lua',
    )
    const cyclic = files({ '/l/a.lua': '--- @include "b.lua"\n', '/l/b.lua': '--- @include "a.lua"\n' })
    expect(() => joinIncludes('/l/a.lua', cyclic)).toThrow(/include cycle through \/l\/a\.lua/)
  })
})
