// Reads JSON request bodies the way upstream (axum + serde) does: 415, 400 or 422 with its text.
import { JsonNumber, type JsonObject, JsonSyntaxError, type JsonValue, parseJson } from './json.js'
import type {
  Gpus,
  HeartbeatRequest,
  LogBatch,
  LogLine,
  RegisterRequest,
  RegisterTaskRequest,
  RuntimeErrorReport,
  RuntimeStatus,
} from './protocol.js'
import { isRole, ROLES, type Role } from './roles.js'
import { GROUP_NAME, PRIORITY_NAMES, parsePriority } from './scheduler.js'
import { TOKEN_NAME } from './tokens.js'

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

const dataError = (msg: string) =>
  new BodyRejection(422, `Failed to deserialize the JSON body into the target type: ${msg}`)

function typeName(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return 'sequence'
  if (v instanceof Map) return 'map'
  if (v instanceof JsonNumber) return `${v.isIntegerLiteral ? 'integer' : 'floating point'} \`${v.literal}\``
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  return `boolean \`${v}\``
}

/** A required string field (`null` is a wrong type, as serde says). */
function str(o: JsonObject, key: string, path = key): string {
  const v = o.get(key)
  if (v === undefined) throw dataError(`missing field \`${key}\``)
  if (typeof v !== 'string') throw dataError(`${path}: invalid type: ${typeName(v)}, expected a string`)
  return v
}

/** An Option<String> field: absent or null is undefined. */
function optStr(o: JsonObject, key: string, path = key): string | undefined {
  const v = o.get(key)
  return v === undefined || v === null ? undefined : str(o, key, path)
}

function optBool(o: JsonObject, key: string): boolean | undefined {
  const v = o.get(key)
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'boolean') throw dataError(`${key}: invalid type: ${typeName(v)}, expected a boolean`)
  return v
}

/** An integer field the way serde reads u32/i32: an integer literal in range; `2.0` and `2e0` are refused. */
function int(o: JsonObject, key: string, kind: 'u32' | 'i32', path = key): number {
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
function strList(o: JsonObject, key: string): string[] | undefined {
  const v = o.get(key)
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw dataError(`${key}: invalid type: ${typeName(v)}, expected a sequence`)
  return v.map((x, i) => {
    if (typeof x !== 'string')
      throw dataError(`${key}[${i}]: invalid type: ${typeName(x)}, expected a string`)
    return x
  })
}

export function readTaskRequest(o: JsonObject): RegisterTaskRequest {
  const spec: RegisterTaskRequest = { name: str(o, 'name') }
  for (const key of ['image', 'input_redis', 'output_redis', 'input_queue', 'output_queue', 'cwd'] as const) {
    const v = optStr(o, key)
    if (v !== undefined) spec[key] = v
  }
  const images = o.get('images')
  if (images !== undefined && images !== null) {
    if (!(images instanceof Map)) throw dataError(`images: invalid type: ${typeName(images)}, expected a map`)
    const entries: [string, string][] = []
    for (const k of images.keys()) entries.push([k, str(images, k, `images.${k}`)])
    // fromEntries defines own properties: a key named __proto__ stays data.
    spec.images = Object.fromEntries(entries)
  }
  const command = o.get('command')
  if (command !== undefined && command !== null) {
    const ok =
      (typeof command === 'string' && command.length > 0) ||
      (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string'))
    if (!ok) throw dataError('command: expected a non-empty array of strings or a string')
    spec.command = command as string[] | string
  }
  const shell = optBool(o, 'shell')
  if (shell !== undefined) spec.shell = shell
  const gpus = optGpus(o)
  if (gpus !== undefined) spec.gpus = gpus
  readScheduling(o, spec)
  const unique = optBool(o, 'unique')
  if (unique !== undefined) spec.unique = unique
  if (unique && spec.name.trim() === '') {
    throw dataError('name: must not be empty when `unique` is true (the name is what is claimed)')
  }
  return spec
}

/** A task's GPUs per instance: a count from 1 to 1024, or "all". */
function optGpus(o: JsonObject): Gpus | undefined {
  const v = o.get('gpus')
  if (v === undefined || v === null) return undefined
  if (v === 'all') return 'all'
  if (v instanceof JsonNumber && v.isIntegerLiteral && v.value >= 1 && v.value <= 1024) return v.value
  throw dataError(`gpus: expected a count from 1 to 1024 or "all", got ${typeName(v)}`)
}

/** gridcore's scheduling fields of a task: priority, group, after, auto_finish, auto_finish_settle. */
function readScheduling(o: JsonObject, spec: RegisterTaskRequest) {
  const priority = optPriority(o, 'priority')
  if (priority !== undefined) spec.priority = priority
  const group = optGroup(o, 'group')
  if (group !== undefined) spec.group = group
  const after = strList(o, 'after')
  if (after !== undefined) {
    if (after.some((a) => a === '')) throw dataError('after: task names must not be empty')
    spec.after = after
  }
  const auto = optBool(o, 'auto_finish')
  if (auto !== undefined) spec.auto_finish = auto
  const settle = o.get('auto_finish_settle')
  if (settle !== undefined && settle !== null) {
    if (!(settle instanceof JsonNumber) || !(settle.value >= 0 && settle.value <= 86_400))
      throw dataError(`auto_finish_settle: expected seconds from 0 to 86400, got ${typeName(settle)}`)
    spec.auto_finish_settle = settle.value
  }
}

/** A priority: an integer 0-4 or a level name (CRITICAL, HIGH, NORMAL, LOW, IDLE; any case). */
function optPriority(o: JsonObject, key: string): number | undefined {
  const v = o.get(key)
  if (v === undefined || v === null) return undefined
  const level =
    v instanceof JsonNumber && v.isIntegerLiteral
      ? parsePriority(v.value)
      : typeof v === 'string'
        ? parsePriority(v)
        : null
  if (level === null)
    throw dataError(
      `${key}: expected 0-4 or one of ${PRIORITY_NAMES.join(', ')} (0 CRITICAL is the most urgent), got ${typeName(v)}`,
    )
  return level
}

function optGroup(o: JsonObject, key: string): string | undefined {
  const v = optStr(o, key)
  if (v !== undefined && !GROUP_NAME.test(v))
    throw dataError(
      `${key}: "${v}" is not a group name: expected letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`,
    )
  return v
}

/** The optional body of POST /api/tasks/finish: which group's task, or which running task by name. */
export function readFinish(o: JsonObject | null): { group?: string; name?: string } {
  if (!o) return {}
  const group = optGroup(o, 'group')
  const name = optStr(o, 'name')
  if (group !== undefined && name !== undefined)
    throw dataError('give `group` or `name`, not both (a name already says its group)')
  return { ...(group !== undefined ? { group } : {}), ...(name !== undefined ? { name } : {}) }
}

/** POST /api/tasks/cancel: {name}. */
export function readName(o: JsonObject): { name: string } {
  return { name: str(o, 'name') }
}

/** POST /api/tasks/priority: {name, priority}. */
export function readPriorityChange(o: JsonObject): { name: string; priority: number } {
  const priority = optPriority(o, 'priority')
  if (priority === undefined) throw dataError('missing field `priority`')
  return { name: str(o, 'name'), priority }
}

export function readRegister(o: JsonObject): RegisterRequest {
  const req: RegisterRequest = {
    node_id: optStr(o, 'node_id') ?? null,
    hostname: str(o, 'hostname'),
    architecture: str(o, 'architecture'),
    cpu_count: int(o, 'cpu_count', 'u32'),
    group: optStr(o, 'group') ?? null,
  }
  const explicit = optBool(o, 'group_explicit')
  if (explicit !== undefined) req.group_explicit = explicit
  const capabilities = strList(o, 'capabilities')
  if (capabilities !== undefined) req.capabilities = capabilities
  if (o.get('gpus') !== undefined && o.get('gpus') !== null) req.gpus = int(o, 'gpus', 'u32')
  return req
}

/** The body of POST /api/tokens (gridcore extension). */
export interface TokenRequest {
  role: Role
  name?: string
  /** Seconds until the token is refused; absent: it never expires. */
  expires_in?: number
}

export function readTokenRequest(o: JsonObject): TokenRequest {
  const role = str(o, 'role')
  if (!isRole(role)) {
    throw dataError(
      `role: unknown variant \`${role}\`, expected one of ${ROLES.map((r) => `\`${r}\``).join(', ')}`,
    )
  }
  const req: TokenRequest = { role }
  const name = optStr(o, 'name')
  if (name !== undefined) {
    if (!TOKEN_NAME.test(name)) {
      throw dataError(
        'name: expected 1 to 64 letters, digits, "-", "_" or "." starting with a letter or digit',
      )
    }
    req.name = name
  }
  const expires = o.get('expires_in')
  if (expires !== undefined && expires !== null) {
    const secs = int(o, 'expires_in', 'u32')
    if (secs === 0) throw dataError('expires_in: expected a positive number of seconds')
    req.expires_in = secs
  }
  return req
}

const STATUSES: readonly RuntimeStatus[] = ['Running', 'Idle', 'Error']
/** The hub keeps at most this much of a report's message (its tail: the last lines matter). */
export const MAX_REPORT_MESSAGE_BYTES = 4096

export function readHeartbeat(o: JsonObject): HeartbeatRequest {
  const node_id = str(o, 'node_id')
  const status = str(o, 'status')
  if (!STATUSES.includes(status as RuntimeStatus)) {
    throw dataError(`status: unknown variant \`${status}\`, expected one of \`Running\`, \`Idle\`, \`Error\``)
  }
  const hb: HeartbeatRequest = {
    node_id,
    status: status as RuntimeStatus,
    active_containers: int(o, 'active_containers', 'u32'),
  }
  const report = o.get('runtime_error')
  if (report !== undefined) hb.runtime_error = report === null ? null : readReport(report)
  const logs = o.get('logs')
  if (logs !== undefined && logs !== null) hb.logs = readLogBatches(logs)
  return hb
}

/** The hub keeps at most this much of one log line (a longer one is cut and marked). */
export const MAX_LOG_LINE_BYTES = 4096
const STREAMS = ['stdout', 'stderr'] as const

/** A heartbeat's `logs`: [{task, instance, lines: [{at, stream, text}], dropped}]. */
function readLogBatches(v: JsonValue): LogBatch[] {
  if (!Array.isArray(v)) throw dataError(`logs: invalid type: ${typeName(v)}, expected a sequence`)
  return v.map((b, i) => {
    const p = `logs[${i}]`
    if (!(b instanceof Map)) throw dataError(`${p}: invalid type: ${typeName(b)}, expected a map`)
    const lines = b.get('lines')
    if (!Array.isArray(lines))
      throw dataError(`${p}.lines: invalid type: ${typeName(lines)}, expected a sequence`)
    return {
      task: str(b, 'task', `${p}.task`),
      instance: int(b, 'instance', 'u32', `${p}.instance`),
      lines: lines.map((l, j) => readLogLine(l, `${p}.lines[${j}]`)),
      dropped: int(b, 'dropped', 'u32', `${p}.dropped`),
    }
  })
}

function readLogLine(v: JsonValue, p: string): LogLine {
  if (!(v instanceof Map)) throw dataError(`${p}: invalid type: ${typeName(v)}, expected a map`)
  const at = str(v, 'at', `${p}.at`)
  if (Number.isNaN(Date.parse(at))) throw dataError(`${p}.at: expected an RFC 3339 time, got "${at}"`)
  const stream = str(v, 'stream', `${p}.stream`)
  if (!(STREAMS as readonly string[]).includes(stream))
    throw dataError(`${p}.stream: unknown variant \`${stream}\`, expected \`stdout\` or \`stderr\``)
  return {
    at,
    stream: stream as LogLine['stream'],
    text: head(str(v, 'text', `${p}.text`), MAX_LOG_LINE_BYTES),
  }
}

/** `s` cut to at most `max` UTF-8 bytes at a character boundary, ending with "…" when it was cut. */
function head(s: string, max: number): string {
  if (s.length * 3 <= max) return s
  const bytes = Buffer.from(s, 'utf8')
  if (bytes.length <= max) return s
  let end = max - 3 // room for "…" (3 bytes)
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--
  return `${bytes.subarray(0, end).toString('utf8')}…`
}

function readReport(v: JsonValue): RuntimeErrorReport {
  if (!(v instanceof Map)) throw dataError(`runtime_error: invalid type: ${typeName(v)}, expected a map`)
  const p = (k: string) => `runtime_error.${k}`
  const at = str(v, 'at', p('at'))
  if (Number.isNaN(Date.parse(at)))
    throw dataError(`runtime_error.at: expected an RFC 3339 time, got "${at}"`)
  const exit = v.get('exit_code')
  return {
    task: str(v, 'task', p('task')),
    message: tail(str(v, 'message', p('message')), MAX_REPORT_MESSAGE_BYTES),
    exit_code: exit === undefined || exit === null ? null : int(v, 'exit_code', 'i32', p('exit_code')),
    signal: optStr(v, 'signal', p('signal')) ?? null,
    failed_instances: int(v, 'failed_instances', 'u32', p('failed_instances')),
    log_path: optStr(v, 'log_path', p('log_path')) ?? null,
    at,
  }
}

/** The last `max` UTF-8 bytes of `s`, cut at a character boundary. */
function tail(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8')
  if (bytes.length <= max) return s
  let start = bytes.length - max
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++
  return bytes.subarray(start).toString('utf8')
}
