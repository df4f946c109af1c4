// What a task's instances are given to reach its Redis on this node: a rediss:// URL becomes the loopback proxy's
// redis://127.0.0.1:<port> (no TLS, no password), and a command task also gets the real URLs and the CA file in
// gridcore's own variables, for the run --command worker that speaks TLS itself.
import type { TaskConfig } from '../hub/protocol.js'
import type { RedisProxyPool } from './redis-proxy-pool.js'
import { DIRECT_REDIS_ENV } from './runtime.js'

export interface LocalTask {
  /** The task with its Redis URLs as instances use them. */
  task: TaskConfig
  /** Extra instance variables (command tasks whose Redis speaks TLS). */
  env: Record<string, string>
  /** True when an URL now points at the loopback proxy. */
  proxied: boolean
}

export async function localTask(task: TaskConfig, pool: RedisProxyPool, caFile?: string): Promise<LocalTask> {
  const local = { ...task }
  const env: Record<string, string> = {}
  let proxied = false
  for (const [field, name] of [
    ['input_redis', DIRECT_REDIS_ENV.input],
    ['output_redis', DIRECT_REDIS_ENV.output],
  ] as const) {
    const url = task[field]
    if (!url?.startsWith('rediss://')) continue
    local[field] = await pool.localUrl(url)
    proxied = true
    if (task.command != null) env[name] = url
  }
  if (proxied && task.command != null && caFile) env[DIRECT_REDIS_ENV.caFile] = caFile
  return { task: local, env, proxied }
}
