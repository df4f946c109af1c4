// The bodies nodes send: registration (with the additive group, capabilities and GPU fields) and heartbeats (with
// their error reports and log batches, bounded in what the hub keeps).
import { dataError, int, optBool, optStr, str, strList, typeName } from './body.js'
import type { JsonObject, JsonValue } from './json.js'
import type {
  HeartbeatRequest,
  LogBatch,
  LogLine,
  RegisterRequest,
  RuntimeErrorReport,
  RuntimeStatus,
} from './protocol.js'

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
