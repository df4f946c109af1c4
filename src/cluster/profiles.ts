// Named cluster profiles: skill.toml (public parts, the CA's pin) + credentials.toml (token, Redis password; 0600)
// + the cluster CA's PEM beside them.
import { configError, GridcoreError } from '../lib/errors.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'
import { readToml, type TomlTable, writeToml } from '../lib/toml.js'
import { joinRedisUrl, splitRedisUrl } from '../redis/url.js'
import { type ClusterCa, readProfileCa, removeProfileCa, writeProfileCa } from './profile-ca.js'

export interface ClusterProfile {
  name: string
  hubUrl: string
  token: string
  /** Full Redis URL, password included: never print it without redactUrl. */
  redisUrl?: string
  /** The cluster CA the hub's https and rediss:// servers are verified against (absent: the system's roots). */
  ca?: ClusterCa
  /** The token's role as the hub told `connect` (admin, submit, read). */
  role?: string
  /** HOST[:PORT] other machines reach the hub at, for join strings (default: the hub URL's). */
  advertise?: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export function checkProfileName(name: string): string {
  if (!NAME.test(name)) {
    throw new GridcoreError(
      'USAGE',
      `cluster name "${name}" is not valid: use letters, digits, "-", "_" or "." (e.g. production)`,
    )
  }
  return name
}

type Section = Record<string, unknown>

function clusters(table: TomlTable | undefined, file: string): Record<string, Section> {
  const c = table?.cluster
  if (c === undefined) return {}
  if (typeof c !== 'object' || c === null || Array.isArray(c))
    throw configError(`${file}: [cluster] must be a table of named clusters`)
  return c as Record<string, Section>
}

export function readProfiles(p: Paths = defaultPaths()): {
  skill: Record<string, Section>
  creds: Record<string, Section>
} {
  return {
    skill: clusters(readToml(p.skillToml, 'skill.toml', true), p.skillToml),
    creds: clusters(readToml(p.credentialsToml, 'credentials.toml', true), p.credentialsToml),
  }
}

export function profileNames(p: Paths = defaultPaths()): string[] {
  return Object.keys(readProfiles(p).skill)
}

/** Builds a profile from its two sections; undefined when skill.toml has no such cluster. */
export function loadProfile(name: string, p: Paths = defaultPaths()): ClusterProfile | undefined {
  const { skill, creds } = readProfiles(p)
  const s = skill[name]
  if (!s) return undefined
  const c = creds[name] ?? {}
  const hubUrl = s.computehub_url
  if (typeof hubUrl !== 'string')
    throw configError(`${p.skillToml}: [cluster.${name}] has no computehub_url: run gridcore connect again`)
  const token = c.token
  if (typeof token !== 'string' || !token) {
    throw configError(
      `${p.credentialsToml}: [cluster.${name}] has no token: run gridcore connect --name ${name} again`,
    )
  }
  const redis = typeof s.redis_url === 'string' && s.redis_url ? s.redis_url : undefined
  const password = typeof c.redis_password === 'string' ? c.redis_password : undefined
  const origin = { where: `${p.skillToml} [cluster.${name}] redis_url`, code: 'CONFIG' } as const
  const ca = readProfileCa(name, s, p)
  return {
    name,
    hubUrl,
    token,
    redisUrl: redis ? joinRedisUrl(redis, password, origin) : undefined,
    ...(ca ? { ca } : {}),
    ...(typeof s.role === 'string' ? { role: s.role } : {}),
    ...(typeof s.advertise === 'string' && s.advertise ? { advertise: s.advertise } : {}),
  }
}

/**
 * Writes a profile; the token and Redis password go only to credentials.toml (0600 in a 0700 dir), a CA given as
 * PEM beside it (<skill dir>/ca/NAME.pem, 0644), pinned by its fingerprint in skill.toml.
 */
export function saveProfile(profile: ClusterProfile, p: Paths = defaultPaths(), extra: Section = {}): void {
  const skillTable = readToml(p.skillToml, 'skill.toml', true) ?? {}
  const credTable = readToml(p.credentialsToml, 'credentials.toml', true) ?? {}
  const skill = clusters(skillTable, p.skillToml)
  const creds = clusters(credTable, p.credentialsToml)
  const split = profile.redisUrl ? splitRedisUrl(profile.redisUrl, { where: '--redis' }) : undefined
  const caFile = profile.ca ? writeProfileCa(profile.name, profile.ca.pem, p) : undefined
  if (!profile.ca) removeProfileCa(profile.name, p)
  skill[profile.name] = {
    ...extra,
    name: profile.name,
    computehub_url: profile.hubUrl,
    ...(split ? { redis_url: split.publicUrl } : {}),
    ...(profile.ca ? { ca_file: caFile, ca_fingerprint: profile.ca.fingerprint } : {}),
    ...(profile.role ? { role: profile.role } : {}),
    ...(profile.advertise ? { advertise: profile.advertise } : {}),
  }
  creds[profile.name] = {
    token: profile.token,
    ...(split?.password ? { redis_password: split.password } : {}),
  }
  const dirOpts = { dirMode: 0o700, enforceDirMode: true }
  writeToml(
    p.credentialsToml,
    { ...credTable, cluster: creds },
    { ...dirOpts, mode: 0o600 },
    '# gridcore: secrets, mode 0600. Do not share.\n',
  )
  writeToml(
    p.skillToml,
    { ...skillTable, cluster: skill },
    { ...dirOpts, mode: 0o644 },
    '# gridcore: cluster profiles (no secrets here; see credentials.toml)\n',
  )
}

/** Removes a profile from both files (no-op when absent). */
export function removeProfile(name: string, p: Paths = defaultPaths()): boolean {
  const skillTable = readToml(p.skillToml, 'skill.toml', true)
  const credTable = readToml(p.credentialsToml, 'credentials.toml', true)
  const skill = clusters(skillTable, p.skillToml)
  const creds = clusters(credTable, p.credentialsToml)
  if (!(name in skill) && !(name in creds)) return false
  delete skill[name]
  delete creds[name]
  removeProfileCa(name, p)
  const dirOpts = { dirMode: 0o700, enforceDirMode: true }
  if (credTable)
    writeToml(
      p.credentialsToml,
      { ...credTable, cluster: creds },
      { ...dirOpts, mode: 0o600 },
      '# gridcore: secrets, mode 0600. Do not share.\n',
    )
  if (skillTable)
    writeToml(
      p.skillToml,
      { ...skillTable, cluster: skill },
      { ...dirOpts, mode: 0o644 },
      '# gridcore: cluster profiles (no secrets here; see credentials.toml)\n',
    )
  return true
}
