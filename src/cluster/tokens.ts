// gridcore token create/list/revoke: the hub's scoped-token routes, and the join string a new node or submit token
// travels in (the profile's hub address and pinned CA fingerprint).
import { isIP } from 'node:net'
import type { HubClient, TokenInfo, WhoAmI } from '../client/hub-client.js'
import { TOKEN_NAME } from '../hub/tokens.js'
import { GridcoreError } from '../lib/errors.js'
import { formatJoinString } from '../net/join-string.js'
import type { ClusterProfile } from './profiles.js'

export interface CreatedToken extends TokenInfo {
  /** The token itself: shown this once, never stored on this machine. */
  token: string
  /** gridcore://HOST:PORT/?ca=…&token=… for node and submit tokens, when the profile can make one. */
  join: string | null
  /** Why there is no join string, or that it is a plaintext one. */
  join_note: string | null
}

export async function createToken(
  profile: ClusterProfile,
  hub: HubClient,
  o: { role: WhoAmI['role']; name?: string; expiresMs?: number },
): Promise<CreatedToken> {
  if (o.name !== undefined && (!TOKEN_NAME.test(o.name) || o.name === 'admin')) {
    throw new GridcoreError(
      'USAGE',
      o.name === 'admin'
        ? '--name admin is the hub token’s own name (computehub.toml): pick another name'
        : `--name "${o.name}" is not a token name: use 1 to 64 letters, digits, "-", "_" or ".", starting with a letter or digit`,
    )
  }
  let made: TokenInfo & { token: string }
  try {
    made = await hub.createToken({
      role: o.role,
      ...(o.name ? { name: o.name } : {}),
      ...(o.expiresMs ? { expires_in: Math.ceil(o.expiresMs / 1000) } : {}),
    })
  } catch (err) {
    throw explain(err, {
      404: `the hub at ${hub.url} has no scoped tokens (an upstream ComputeHub): its one token is in computehub.toml`,
      409: `a token named "${o.name}" already exists on the hub at ${hub.url}: pick another --name, or revoke it first (gridcore token revoke ${o.name})`,
    })
  }
  const wantsJoin = o.role === 'node' || o.role === 'submit'
  const j = wantsJoin ? joinFor(profile, made.token) : { join: null, note: null }
  return { ...made, join: j.join, join_note: j.note }
}

export async function listTokens(hub: HubClient): Promise<TokenInfo[]> {
  return hub.listTokens().catch((err) => {
    throw explain(err, { 404: `the hub at ${hub.url} has no scoped tokens (an upstream ComputeHub)` })
  })
}

export async function revokeToken(hub: HubClient, name: string): Promise<{ revoked: string }> {
  await hub.revokeToken(name).catch((err) => {
    throw explain(err, {
      404: `no token named "${name}" on the hub at ${hub.url}: gridcore token list shows the names`,
    })
  })
  return { revoked: name }
}

/** The join string for `token`: the advertised host (or the hub URL's) and the pinned CA's fingerprint. */
export function joinFor(p: ClusterProfile, token: string): { join: string | null; note: string | null } {
  const url = new URL(p.hubUrl)
  const https = url.protocol === 'https:'
  const port = Number(url.port || (https ? 443 : 80))
  const adv = p.advertise ? splitHostPort(p.advertise, port) : undefined
  const host = adv?.host ?? url.hostname.replace(/^\[(.*)\]$/, '$1')
  const where = { host, port: adv?.port ?? port, token }
  if (isLoopback(host)) {
    return {
      join: null,
      note: `no join string: the profile reaches the hub at ${host}, which other machines cannot (a cluster for other machines is made with gridcore up --listen)`,
    }
  }
  if (https && p.ca)
    return { join: formatJoinString({ ...where, ca: p.ca.fingerprint, insecure: false }), note: null }
  if (https) {
    return {
      join: null,
      note: `no join string: cluster "${p.name}" has no pinned CA to put in it (connect with its join string or --ca-fingerprint first)`,
    }
  }
  return {
    join: formatJoinString({ ...where, insecure: true }),
    note: 'the hub speaks plain HTTP: this join string (insecure=1) sends the token unencrypted; use it only on a network you trust',
  }
}

function splitHostPort(raw: string, defaultPort: number): { host: string; port: number } {
  const s = raw.trim()
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(s)
  if (bracketed) return { host: bracketed[1]!.toLowerCase(), port: Number(bracketed[2] ?? defaultPort) }
  if (isIP(s) === 6) return { host: s.toLowerCase(), port: defaultPort }
  const m = /^([^:\s]+)(?::(\d{1,5}))?$/.exec(s)
  if (!m) throw new GridcoreError('CONFIG', `the profile's advertise "${raw}" is not HOST or HOST:PORT`)
  return { host: m[1]!.toLowerCase(), port: Number(m[2] ?? defaultPort) }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

/** A hub refusal by status as one line that says what to do; anything else unchanged. */
function explain(err: unknown, byStatus: Record<number, string>): unknown {
  if (!(err instanceof GridcoreError)) return err
  const msg = byStatus[err.details?.status as number]
  return msg ? new GridcoreError('HUB_REJECTED', msg, { status: err.details?.status }) : err
}
