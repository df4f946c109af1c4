// The scripts as shipped: complete (includes joined), KEYS named as SCRIPT_KEYS says, each documenting ARGV/returns.
import { describe, expect, it } from 'vitest'
import { declaredKeys, SCRIPT_KEYS, SCRIPT_NAMES, scriptSources } from '../../src/queue/scripts.js'

describe('scriptSources', () => {
  const sources = scriptSources()

  it('has every script, joined: no include directive is left', () => {
    expect(Object.keys(sources).sort()).toEqual([...SCRIPT_NAMES].sort())
    for (const lua of Object.values(sources)) expect(lua).not.toMatch(/^---\s*@include/m)
    expect(sources.take).toMatch(/local function give_back\(/)
    expect(sources.recover).toMatch(/local function push_batched\(/)
  })

  it('each script names its KEYS as locals at the top, in the order SCRIPT_KEYS gives', () => {
    for (const name of SCRIPT_NAMES) {
      expect(declaredKeys(sources[name]), name).toEqual([...SCRIPT_KEYS[name]])
      const firstCode = sources[name].split('\n').find((l) => l.trim() && !l.startsWith('--'))
      expect(firstCode, name).toMatch(/^local [\w, ]+ = KEYS\[1\]/)
    }
  })

  it('each script documents its ARGV and what it returns', () => {
    for (const name of SCRIPT_NAMES) {
      expect(sources[name], name).toMatch(/^-- ARGV\[1\]/m)
      expect(sources[name], name).toMatch(/^-- returns: /m)
    }
  })

  it('no shared fragment is written out twice', () => {
    for (const lua of Object.values(sources)) {
      expect(lua.match(/unpack\(/g)?.length ?? 0).toBeLessThanOrEqual(1)
      expect(lua.match(/local function give_back/g)?.length ?? 0).toBeLessThanOrEqual(1)
    }
  })
})

describe('declaredKeys', () => {
  it('reads local NAMES = KEYS[i], … lines by index, marking gaps', () => {
    expect(
      declaredKeys('local c, d = KEYS[3], KEYS[4]\nlocal a, b = KEYS[1], KEYS[2]\nlocal x = 1\n'),
    ).toEqual(['a', 'b', 'c', 'd'])
    expect(declaredKeys('local c = KEYS[3]\n')).toEqual(['?', '?', 'c'])
  })
})
