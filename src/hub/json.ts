// A strict JSON parser (RFC 8259, as serde_json reads it) that keeps number literals and builds objects as Maps.
// JSON.parse cannot tell `2` from `2.0`, and upstream's u32 fields refuse the second: the literal decides.

/** A JSON number with the text it was written as, e.g. `2`, `2.0`, `2e0`, `-0`. */
export class JsonNumber {
  constructor(readonly literal: string) {}
  /** True when written as an integer: no fraction, no exponent. */
  get isIntegerLiteral(): boolean {
    return /^-?\d+$/.test(this.literal)
  }
  get value(): number {
    return Number(this.literal)
  }
}

/** Objects are Maps: keys such as `__proto__` or `constructor` are plain data, never an object's prototype. */
export type JsonObject = Map<string, JsonValue>
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject

export class JsonSyntaxError extends Error {}

/** serde_json's default nesting limit. */
const MAX_DEPTH = 128

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
}

/** Parses `text` as one JSON value; throws JsonSyntaxError naming the line and column. */
export function parseJson(text: string): JsonValue {
  let pos = 0
  let depth = 0

  const fail = (what: string, at = pos): never => {
    let line = 1
    let col = 1
    for (let i = 0; i < at && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++
        col = 1
      } else col++
    }
    throw new JsonSyntaxError(`${what} at line ${line} column ${col}`)
  }
  const skipWs = () => {
    for (;;) {
      const c = text.charCodeAt(pos)
      if (c === 32 || c === 9 || c === 10 || c === 13) pos++
      else return
    }
  }
  const expect = (ch: string, what: string) => {
    skipWs()
    if (text[pos] !== ch) fail(pos >= text.length ? 'EOF while parsing' : what)
    pos++
  }

  const value = (): JsonValue => {
    skipWs()
    if (pos >= text.length) return fail('EOF while parsing a value')
    const c = text[pos]!
    if (c === '{') return object()
    if (c === '[') return array()
    if (c === '"') return string()
    if (c === '-' || (c >= '0' && c <= '9')) return number()
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length
        return v
      }
    }
    return fail('expected value')
  }

  const nest = () => {
    if (++depth > MAX_DEPTH) fail('recursion limit exceeded')
    pos++
  }

  const object = (): JsonObject => {
    nest()
    const out: JsonObject = new Map()
    skipWs()
    if (text[pos] === '}') {
      pos++
      depth--
      return out
    }
    for (;;) {
      skipWs()
      if (text[pos] !== '"') fail(pos >= text.length ? 'EOF while parsing an object' : 'key must be a string')
      const key = string()
      expect(':', 'expected `:`')
      out.set(key, value())
      skipWs()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === '}') {
        pos++
        depth--
        return out
      }
      fail(pos >= text.length ? 'EOF while parsing an object' : 'expected `,` or `}`')
    }
  }

  const array = (): JsonValue[] => {
    nest()
    const out: JsonValue[] = []
    skipWs()
    if (text[pos] === ']') {
      pos++
      depth--
      return out
    }
    for (;;) {
      out.push(value())
      skipWs()
      if (text[pos] === ',') {
        pos++
        continue
      }
      if (text[pos] === ']') {
        pos++
        depth--
        return out
      }
      fail(pos >= text.length ? 'EOF while parsing a list' : 'expected `,` or `]`')
    }
  }

  const hex4 = (): number => {
    const h = text.slice(pos, pos + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(h))
      fail(pos + 4 > text.length ? 'EOF while parsing a string' : 'invalid escape')
    pos += 4
    return Number.parseInt(h, 16)
  }

  const string = (): string => {
    pos++ // opening quote
    let out = ''
    let start = pos
    for (;;) {
      if (pos >= text.length) fail('EOF while parsing a string')
      const code = text.charCodeAt(pos)
      if (code === 34) {
        out += text.slice(start, pos)
        pos++
        return out
      }
      if (code < 0x20) fail('control character (\\u0000-\\u001F) found while parsing a string')
      if (code !== 92) {
        pos++
        continue
      }
      out += text.slice(start, pos)
      pos++
      const e = text[pos++]
      if (e === undefined) fail('EOF while parsing a string')
      if (e === 'u') {
        const unit = hex4()
        if (unit >= 0xdc00 && unit <= 0xdfff) fail('lone trailing surrogate in hex escape')
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (text[pos] !== '\\' || text[pos + 1] !== 'u') fail('lone leading surrogate in hex escape')
          pos += 2
          const low = hex4()
          if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in hex escape')
          out += String.fromCharCode(unit, low)
        } else out += String.fromCharCode(unit)
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) out += ESCAPES[e]
      else fail('invalid escape', pos - 1)
      start = pos
    }
  }

  const number = (): JsonNumber => {
    NUMBER.lastIndex = pos
    const m = NUMBER.exec(text)
    if (!m || m[0] === '-') return fail('invalid number')
    pos += m[0].length
    const next = text[pos]
    if (next !== undefined && /[0-9.eE+-]/.test(next)) fail('invalid number')
    return new JsonNumber(m[0])
  }

  const result = value()
  skipWs()
  if (pos < text.length) fail('trailing characters')
  return result
}
