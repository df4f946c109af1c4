// gridcore task register as a step: a task spec from its flags (+ scheduling), registered with its name claimed,
// and where it stands in its group; the Redis URLs it carries shown redacted.
import type { HubClient } from '../client/hub-client.js'
import type { TaskSpec } from '../hub/protocol.js'
import { redactUrl } from '../lib/redact.js'
import { groupOf, type SchedulingInput, schedulingFields } from './schedule.js'
import { buildTaskSpec, type TaskInput } from './tasks.js'

export interface RegisterResult {
  registered: string
  running: boolean
  /** The running task of the task's group. */
  current: string | null
  group: string
  task: Record<string, unknown>
}

/** The checked spec of a task from its flags' values (refused in one line before anything is sent). */
export function taskRegistration(
  input: TaskInput & SchedulingInput,
  profileRedis: string | undefined,
): TaskSpec {
  return { ...buildTaskSpec(input, profileRedis), ...schedulingFields(input) }
}

export async function registerTask(hub: HubClient, spec: TaskSpec): Promise<RegisterResult> {
  // gridcore's commands claim names: a name that is pending or running is refused (409), atomically.
  await hub.registerTask({ ...spec, unique: true })
  const group = spec.group ?? 'default'
  const current = groupOf(await hub.listTasks(), group).current
  const shown: Record<string, unknown> = { ...spec }
  for (const k of ['input_redis', 'output_redis'] as const) if (spec[k]) shown[k] = redactUrl(spec[k])
  return { registered: spec.name, running: current === spec.name, current, group, task: shown }
}
