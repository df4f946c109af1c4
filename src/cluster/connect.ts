// gridcore connect: verify an existing cluster (hub health, the token and its role, Redis PING) and save it as a
// profile. From a join string or --hub with --ca-fingerprint, the cluster CA is fetched and pinned first, and a
// submit or admin token learns the cluster's Redis URL from the hub.
import { HubClient, type WhoAmI } from '../client/hub-client.js'
import { normalizeHubUrl } from '../client/hub-transport.js'
import { GridcoreError } from '../lib/errors.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'
import { redactUrl } from '../lib/redact.js'
import { fingerprintProblem, normalizeFingerprint } from '../net/fingerprint.js'
import { hubUrl as joinHubUrl, parseJoinString } from '../net/join-string.js'
import { fetchPinnedCa } from '../net/pin.js'
import { openRedis } from '../redis/client.js'
import { parseRedisUrl } from '../redis/url.js'
import { type ClusterCa, caFileFor, readCaFlag } from './profile-ca.js'
import { checkProfileName, saveProfile } from './profiles.js'

export interface ConnectInput {
  name: string
  /** gridcore://HOST:PORT/?ca=sha256:…&token=… (instead of hub, token and caFingerprint). */
  join?: string
  hub?: string
  token?: string
  /** sha256:<hex> of the cluster CA: fetched from the hub's port and checked against this. */
  caFingerprint?: string
  /** The cluster CA as a PEM file on this machine (checked against caFingerprint when both are given). */
  caFile?: string
  redis?: string
  /** Told what is being checked now (for a spinner). */
  onStep?: (what: string) => void
}

export interface ConnectResult {
  name: string
  computehub_url: string
  /** The token's role (admin for an upstream hub, whose one token can do everything). */
  role: WhoAmI['role']
  token_name: string | null
  redis_url: string | null
  /** Where the Redis URL came from: --redis, or the hub (GET /api/cluster). */
  redis_from: 'flag' | 'hub' | null
  ca_fingerprint: string | null
  /** Set when the hub is reached in plain HTTP over the network: the token and items cross it unencrypted. */
  plaintext_warning: string | null
  nodes_online: number
  current_task: string | null
  files: { skill: string; credentials: string; ca: string | null }
}

export async function connectCluster(input: ConnectInput, p: Paths = defaultPaths()): Promise<ConnectResult> {
  checkProfileName(input.name)
  const { hubUrl, token, pin } = where(input)
  if (input.redis) parseRedisUrl(input.redis, { where: '--redis' })
  const ca = await clusterCa(input, hubUrl, pin, p)
  const client = new HubClient({ url: hubUrl, token, caPem: ca?.pem })
  try {
    input.onStep?.(`checking the hub at ${hubUrl}`)
    await client.health()
    const me = (await client.whoami()) ?? { role: 'admin' as const, name: null }
    if (me.role === 'node') {
      throw new GridcoreError(
        'HUB_AUTH',
        `this is a node token ("${me.name}"), for gridcore join on a compute machine: connect needs a submit, read or admin token (an admin makes one with gridcore token create --role submit)`,
      )
    }
    const [nodes, tasks] = await Promise.all([client.listNodes(), client.listTasks()])
    let redisUrl = input.redis
    let redisFrom: ConnectResult['redis_from'] = input.redis ? 'flag' : null
    if (!redisUrl && me.role !== 'read') {
      const fromHub = await client.clusterRedisUrl()
      if (fromHub) {
        parseRedisUrl(fromHub, { where: `the hub's redis_url (GET /api/cluster)`, code: 'CONFIG' })
        redisUrl = fromHub
        redisFrom = 'hub'
      }
    }
    if (redisUrl) {
      input.onStep?.(`checking Redis at ${redactUrl(redisUrl)}`)
      const redis = await openRedis(redisUrl, { caPem: ca?.pem })
      await redis.quit()
    }
    saveProfile({ name: input.name, hubUrl, token, redisUrl, ...(ca ? { ca } : {}), role: me.role }, p)
    return {
      name: input.name,
      computehub_url: hubUrl,
      role: me.role,
      token_name: me.name,
      redis_url: redisUrl ? redactUrl(redisUrl) : null,
      redis_from: redisFrom,
      ca_fingerprint: ca?.fingerprint ?? null,
      plaintext_warning: plaintextWarning(hubUrl),
      nodes_online: nodes.filter((n) => n.status === 'Online').length,
      current_task: tasks.current,
      files: { skill: p.skillToml, credentials: p.credentialsToml, ca: ca?.file ?? null },
    }
  } finally {
    await client.close()
  }
}

/** The hub URL, token and pinned fingerprint, from the join string or from the flags (never both). */
function where(input: ConnectInput): { hubUrl: string; token: string; pin?: string } {
  if (input.join !== undefined) {
    const clash = [
      ['--hub', input.hub],
      ['--token', input.token],
      ['--ca-fingerprint', input.caFingerprint],
    ].find(([, v]) => v !== undefined)
    if (clash) {
      throw new GridcoreError(
        'USAGE',
        `the join string already carries the hub, the token and the CA fingerprint: drop ${clash[0]}`,
      )
    }
    const j = parseJoinString(input.join)
    return { hubUrl: joinHubUrl(j), token: j.token, ...(j.ca ? { pin: j.ca } : {}) }
  }
  if (!input.hub) {
    throw new GridcoreError(
      'USAGE',
      "pass the cluster's join string (gridcore connect 'gridcore://…' --name NAME), or --hub URL with --token",
    )
  }
  if (!input.token)
    throw new GridcoreError('USAGE', '--hub needs a token: pass --token or set GRIDCORE_TOKEN')
  const hubUrl = normalizeHubUrl(input.hub)
  if (input.caFingerprint === undefined) return { hubUrl, token: input.token }
  const pin = normalizeFingerprint(input.caFingerprint)
  if (!pin) {
    throw new GridcoreError(
      'USAGE',
      `--ca-fingerprint is not a CA fingerprint (${fingerprintProblem(input.caFingerprint)}): expected sha256: and 64 hex digits`,
    )
  }
  if (!hubUrl.startsWith('https:')) {
    throw new GridcoreError(
      'USAGE',
      `--ca-fingerprint pins the CA of an https:// hub, and ${hubUrl} is not one`,
    )
  }
  return { hubUrl, token: input.token, pin }
}

/** The cluster CA: from --ca-file, or fetched from the hub's port and checked against the pin; else none. */
async function clusterCa(
  input: ConnectInput,
  hubUrl: string,
  pin: string | undefined,
  p: Paths,
): Promise<ClusterCa | undefined> {
  const file = caFileFor(input.name, p)
  if (input.caFile) {
    const { pem, fingerprint } = readCaFlag('--ca-file', input.caFile)
    if (pin && fingerprint !== pin) {
      throw new GridcoreError(
        'HUB_AUTH',
        `--ca-file ${input.caFile} is CA ${fingerprint} but the pin is ${pin}: pass the cluster's own CA file`,
      )
    }
    return { pem, fingerprint, file }
  }
  if (!pin) return undefined
  const u = new URL(hubUrl)
  input.onStep?.(`fetching the cluster CA from ${u.host}`)
  const ca = await fetchPinnedCa(u.hostname, Number(u.port || 443), pin)
  return { ...ca, file }
}

/** A warning for a plain-HTTP hub that is not on this machine's loopback; null otherwise. */
export function plaintextWarning(hubUrl: string): string | null {
  const u = new URL(hubUrl)
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  if (u.protocol !== 'http:' || host === 'localhost' || host === '::1' || host.startsWith('127.')) return null
  return `the hub at ${hubUrl} speaks plain HTTP: the token and the items cross the network unencrypted (a cluster made with gridcore up --listen uses TLS)`
}
