// gridcore connect: verify an existing cluster (hub health, token, Redis PING) and save it as a profile.
import { HubClient, normalizeHubUrl } from '../client/hub-client.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'
import { redactUrl } from '../lib/redact.js'
import { openRedis } from '../redis/client.js'
import { parseRedisUrl } from '../redis/url.js'
import { checkProfileName, saveProfile } from './profiles.js'

export interface ConnectInput {
  name: string
  hub: string
  token: string
  redis?: string
  /** Told what is being checked now (for a spinner). */
  onStep?: (what: string) => void
}

export interface ConnectResult {
  name: string
  computehub_url: string
  redis_url: string | null
  nodes_online: number
  current_task: string | null
  files: { skill: string; credentials: string }
}

export async function connectCluster(input: ConnectInput, p: Paths = defaultPaths()): Promise<ConnectResult> {
  checkProfileName(input.name)
  const hubUrl = normalizeHubUrl(input.hub)
  if (input.redis) parseRedisUrl(input.redis, { where: '--redis' })
  const client = new HubClient({ url: hubUrl, token: input.token })
  input.onStep?.(`checking the hub at ${hubUrl}`)
  await client.health()
  const nodes = await client.listNodes()
  const tasks = await client.listTasks()
  if (input.redis) {
    input.onStep?.(`checking Redis at ${redactUrl(input.redis)}`)
    const redis = await openRedis(input.redis)
    await redis.quit()
  }
  saveProfile({ name: input.name, hubUrl, token: input.token, redisUrl: input.redis }, p)
  return {
    name: input.name,
    computehub_url: hubUrl,
    redis_url: input.redis ? redactUrl(input.redis) : null,
    nodes_online: nodes.filter((n) => n.status === 'Online').length,
    current_task: tasks.current,
    files: { skill: p.skillToml, credentials: p.credentialsToml },
  }
}
