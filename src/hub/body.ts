// Reads JSON request bodies the way upstream (axum + serde) does: 415, 400 or 422 with its text.
import type { HeartbeatRequest, RegisterRequest, RuntimeStatus, TaskSpec } from './protocol.js'

export class BodyRejection extends Error {
  constructor(
    readonly status: 400 | 415 | 422,
    message: string,
  ) {
    super(message)
  }
}

type Obj = Record<string, unknown>

/** Parses a JSON body; the content type must be application/json (or +json), as axum's Json requires. */
export function parseJsonBody(contentType: string | undefined, body: string): Obj {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (!(mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json')))) {
    throw new BodyRejection(415, 'Expected request with `Content-Type: application/json`')
  }
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch (err) {
    throw new BodyRejection(400, `Failed to parse the request body as JSON: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw dataError('invalid type: expected a JSON object')
  }
  return value as Obj
}

const dataError = (msg: string) =>
  new BodyRejection(422, `Failed to deserialize the JSON body into the target type: ${msg}`)

function str(o: Obj, key: string, required: true): string
function str(o: Obj, key: string, required: false): string | null | undefined
function str(o: Obj, key: string, required: boolean): string | null | undefined {
  const v = o[key]
  if (v === undefined || v === null) {
    if (required) throw dataError(`missing field \`${key}\``)
    return v as null | undefined
  }
  if (typeof v !== 'string') throw dataError(`${key}: invalid type: ${typeName(v)}, expected a string`)
  return v
}

function u32(o: Obj, key: string): number {
  const v = o[key]
  if (v === undefined || v === null) throw dataError(`missing field \`${key}\``)
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw dataError(`${key}: invalid value: ${typeName(v)}, expected u32`)
  }
  return v
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'sequence'
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`
  if (typeof v === 'boolean') return `boolean \`${v}\``
  return 'map'
}

export function readTaskSpec(o: Obj): TaskSpec {
  const spec: TaskSpec = { name: str(o, 'name', true) }
  for (const key of ['image', 'input_redis', 'output_redis', 'input_queue', 'output_queue', 'cwd'] as const) {
    const v = str(o, key, false)
    if (v != null) spec[key] = v
  }
  const images = o.images
  if (images != null) {
    if (typeof images !== 'object' || Array.isArray(images)) {
      throw dataError(`images: invalid type: ${typeName(images)}, expected a map`)
    }
    for (const [k, v] of Object.entries(images)) {
      if (typeof v !== 'string')
        throw dataError(`images.${k}: invalid type: ${typeName(v)}, expected a string`)
    }
    spec.images = images as Record<string, string>
  }
  const command = o.command
  if (command != null) {
    const ok =
      (typeof command === 'string' && command.length > 0) ||
      (Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string'))
    if (!ok) throw dataError('command: expected a non-empty array of strings or a string')
    spec.command = command as string[] | string
  }
  if (o.shell != null) {
    if (typeof o.shell !== 'boolean')
      throw dataError(`shell: invalid type: ${typeName(o.shell)}, expected a boolean`)
    spec.shell = o.shell
  }
  return spec
}

export function readRegister(o: Obj): RegisterRequest {
  return {
    node_id: str(o, 'node_id', false) ?? null,
    hostname: str(o, 'hostname', true),
    architecture: str(o, 'architecture', true),
    cpu_count: u32(o, 'cpu_count'),
    group: str(o, 'group', false) ?? null,
  }
}

const STATUSES: readonly RuntimeStatus[] = ['Running', 'Idle', 'Error']

export function readHeartbeat(o: Obj): HeartbeatRequest {
  const node_id = str(o, 'node_id', true)
  const status = str(o, 'status', true)
  if (!STATUSES.includes(status as RuntimeStatus)) {
    throw dataError(`status: unknown variant \`${status}\`, expected one of \`Running\`, \`Idle\`, \`Error\``)
  }
  return { node_id, status: status as RuntimeStatus, active_containers: u32(o, 'active_containers') }
}
