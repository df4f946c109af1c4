// The bodies of the control routes: a task's registration (with gridcore's scheduling and GPU fields), finish,
// cancel, priority, and tokens.
import { dataError, int, optBool, optStr, str, strList, typeName } from './body.js'
import { JsonNumber, type JsonObject } from './json.js'
import type { Gpus, RegisterTaskRequest } from './protocol.js'
import { isRole, ROLES, type Role } from './roles.js'
import { GROUP_NAME, PRIORITY_NAMES, parsePriority } from './scheduler.js'
import { TOKEN_NAME } from './tokens.js'

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
