// The literal-keeping JSON parser: accepts what RFC 8259 accepts, refuses the rest with line and column.
import { describe, expect, it } from 'vitest'
import { JsonNumber, JsonSyntaxError, type JsonValue, parseJson } from '../../src/hub/json.js'

/** Parsed value as plain data, numbers shown by their literal, for comparing. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return `#${v.literal}`
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]))
  if (Array.isArray(v)) return v.map(plain)
  return v
}

describe('parseJson', () => {
  it('parses every kind of value and keeps number literals', () => {
    const text =
      ' {"a": [1, -0, 2.0, 2e0, 1.5E-3, 12345678901234567890], "b": {"c": null, "d": true, "e": false},\n "s": "x"} '
    expect(plain(parseJson(text))).toEqual({
      a: ['#1', '#-0', '#2.0', '#2e0', '#1.5E-3', '#12345678901234567890'],
      b: { c: null, d: true, e: false },
      s: 'x',
    })
    const n = parseJson('2.0') as JsonNumber
    expect([n.isIntegerLiteral, n.value]).toEqual([false, 2])
    expect((parseJson('-17') as JsonNumber).isIntegerLiteral).toBe(true)
  })

  it('decodes string escapes, surrogate pairs included, and keeps JSON.parse’s results for strings', () => {
    for (const s of ['plain', 'a"b\\c/d', '\b\f\n\r\t', '\u0000\u001f', 'é€', '\u{1F600}', '\u2028']) {
      expect(parseJson(JSON.stringify(s))).toBe(s)
    }
    expect(parseJson('"\\ud83d\\ude00\\u00e9\\/"')).toBe('\u{1F600}é/')
  })

  it('makes objects Maps, so __proto__ and friends are plain keys; the last duplicate wins', () => {
    const v = parseJson('{"__proto__": {"x": 1}, "constructor": "c", "a": 1, "a": 2}') as Map<
      string,
      JsonValue
    >
    expect(v).toBeInstanceOf(Map)
    expect([...v.keys()]).toEqual(['__proto__', 'constructor', 'a'])
    expect((v.get('a') as JsonNumber).literal).toBe('2')
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  it.each([
    ['', 'EOF while parsing a value at line 1 column 1'],
    ['   ', 'EOF while parsing a value at line 1 column 4'],
    ['{"a":', 'EOF while parsing a value at line 1 column 6'],
    ['{"a" 1}', 'expected `:` at line 1 column 6'],
    ['{a:1}', 'key must be a string at line 1 column 2'],
    ['{"a":1,}', 'key must be a string at line 1 column 8'],
    ['[1,]', 'expected value at line 1 column 4'],
    ['[1 2]', 'expected `,` or `]` at line 1 column 4'],
    ['{"a":1 "b"}', 'expected `,` or `}` at line 1 column 8'],
    ['01', 'invalid number at line 1 column 2'],
    ['1.', 'invalid number at line 1 column 2'],
    ['.5', 'expected value at line 1 column 1'],
    ['-', 'invalid number at line 1 column 1'],
    ['+1', 'expected value at line 1 column 1'],
    ['1e', 'invalid number at line 1 column 2'],
    ['NaN', 'expected value at line 1 column 1'],
    ['tru', 'expected value at line 1 column 1'],
    ['"abc', 'EOF while parsing a string at line 1 column 5'],
    ['"a\tb"', 'control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3'],
    ['"\\x"', 'invalid escape at line 1 column 3'],
    ['"\\u12x"', 'invalid escape at line 1 column 4'],
    ['"\\u12"', 'EOF while parsing a string at line 1 column 4'],
    ['"\\ud800"', 'lone leading surrogate in hex escape at line 1 column 8'],
    ['"\\udc00"', 'lone trailing surrogate in hex escape at line 1 column 8'],
    ['{"a":1}\n x', 'trailing characters at line 2 column 2'],
    ['\ufeff{}', 'expected value at line 1 column 1'],
    ['// c\n{}', 'expected value at line 1 column 1'],
  ])('refuses %j', (text, message) => {
    expect(() => parseJson(text)).toThrow(new JsonSyntaxError(message))
  })

  it('stops at 128 levels of nesting instead of exhausting the stack', () => {
    expect(() => parseJson('['.repeat(128) + ']'.repeat(128))).not.toThrow()
    expect(() => parseJson('['.repeat(129) + ']'.repeat(129))).toThrow(/recursion limit exceeded/)
    expect(() => parseJson('{"a":'.repeat(1_000_000))).toThrow(/recursion limit exceeded/)
  })

  it('agrees with JSON.parse on what it accepts (random documents)', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const gen = (depth: number): unknown => {
      const k = rand(depth > 3 ? 4 : 6)
      if (k === 0) return rand(2) ? rand(1e6) - 5e5 : (rand(1e6) - 5e5) / 7
      if (k === 1) return String.fromCharCode(...Array.from({ length: rand(8) }, () => rand(0x3000)))
      if (k === 2) return [null, true, false][rand(3)]
      if (k === 3) return rand(2) ? 'x' : 0
      if (k === 4) return Array.from({ length: rand(5) }, () => gen(depth + 1))
      return Object.fromEntries(
        Array.from({ length: rand(5) }, (_, i) => [`k${i}${rand(9)}`, gen(depth + 1)]),
      )
    }
    const back = (v: JsonValue): unknown => {
      if (v instanceof JsonNumber) return v.value
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, back(x)]))
      if (Array.isArray(v)) return v.map(back)
      return v
    }
    for (let i = 0; i < 300; i++) {
      const text = JSON.stringify(gen(0), null, rand(2) ? 2 : undefined)
      expect(back(parseJson(text))).toEqual(JSON.parse(text))
    }
  })
})
