// Reads JSON request bodies the way upstream (axum + serde) does: 415, 400 or 422 with its text; the field readers
// the route bodies are built from (body-control.ts, body-nodes.ts).
import { JsonNumber, type JsonObject, JsonSyntaxError, type JsonValue, parseJson } from './json.js'

export class BodyRejection extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 422,
    message: string,
  ) {
    super(message)
  }
}

/** axum's default body limit (2 MB), the size over which a body is refused with 413. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024
export const tooLarge = () =>
  new BodyRejection(413, 'Failed to buffer the request body: length limit exceeded')

/** axum's Json checks the content type before it reads a byte of the body: application/json or +json. */
export function contentTypeRejection(contentType: string | undefined): BodyRejection | null {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'))) return null
  return new BodyRejection(415, 'Expected request with `Content-Type: application/json`')
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const syntax = (why: string) => new BodyRejection(400, `Failed to parse the request body as JSON: ${why}`)

/** Parses a body that must be one JSON object (numbers keep their literal form; objects are Maps). */
export function parseJsonBody(body: Uint8Array | string): JsonObject {
  let text: string
  try {
    text = typeof body === 'string' ? body : utf8.decode(body)
  } catch {
    throw syntax('invalid UTF-8')
  }
  let value: JsonValue
  try {
    value = parseJson(text)
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw syntax(err.message)
    throw err
  }
  if (!(value instanceof Map)) throw dataError(`invalid type: ${typeName(value)}, expected a JSON object`)
  return value
}

export const dataError = (msg: string) =>
  new BodyRejection(422, `Failed to deserialize the JSON body into the target type: ${msg}`)

export function typeName(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'sequence'
  if (v instanceof Map) return 'map'
  if (v instanceof JsonNumber) return `${v.isIntegerLiteral ? 'integer' : 'floating point'} \`${v.literal}\``
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  return `boolean \`${v}\``
}

/** A required string field (`null` is a wrong type, as serde says). */
export function str(o: JsonObject, key: string, path = key): string {
  const v = o.get(key)
  if (v === undefined) throw dataError(`missing field \`${key}\``)
  if (typeof v !== 'string') throw dataError(`${path}: invalid type: ${typeName(v)}, expected a string`)
  return v
}

/** An Option<String> field: absent or null is undefined. */
export function optStr(o: JsonObject, key: string, path = key): string | undefined {
  const v = o.get(key)
  return v === undefined || v === null ? undefined : str(o, key, path)
}

export function optBool(o: JsonObject, key: string): boolean | undefined {
  const v = o.get(key)
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw dataError(`${key}: invalid type: ${typeName(v)}, expected a boolean`)
  return v
}

/** An integer field the way serde reads u32/i32: an integer literal in range; `2.0` and `2e0` are refused. */
export function int(o: JsonObject, key: string, kind: 'u32' | 'i32', path = key): number {
  const v = o.get(key)
  if (v === undefined) throw dataError(`missing field \`${key}\``)
  if (!(v instanceof JsonNumber) || !v.isIntegerLiteral) {
    throw dataError(`${path}: invalid type: ${typeName(v)}, expected ${kind}`)
  }
  const n = v.value
  const [min, max] = kind === 'u32' ? [0, 0xffffffff] : [-0x80000000, 0x7fffffff]
  if (!(n >= min && n <= max))
    throw dataError(`${path}: invalid value: integer \`${v.literal}\`, expected ${kind}`)
  return n === 0 ? 0 : n
}

/** A string list field (`Vec<String>`); absent or null is undefined. */
export function strList(o: JsonObject, key: string): string[] | undefined {
  const v = o.get(key)
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw dataError(`${key}: invalid type: ${typeName(v)}, expected a sequence`)
  return v.map((x, i) => {
    if (typeof x !== 'string')
      throw dataError(`${key}[${i}]: invalid type: ${typeName(x)}, expected a string`)
    return x
  })
}
