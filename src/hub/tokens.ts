// Scoped tokens the hub hands out: kept as SHA-256 digests (never the token), compared in constant time,
// refused once revoked (removed) or past their expiry.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Role } from './roles.js'

/** A token as the state file keeps it. */
export interface StoredToken {
  name: string
  role: Role
  /** sha256 of the token, hex. */
  digest: string
  /** RFC 3339. */
  created: string
  expires: string | null
  last_used: string | null
}

/** A token as `GET /api/tokens` shows it: everything but the digest. */
export type TokenInfo = Omit<StoredToken, 'digest'> & { expired: boolean }

/** Who a request's token belongs to. */
export interface Principal {
  role: Role
  name: string
}

/** The name `whoami` gives the hub's own token (computehub.toml `token`); no created token may take it. */
export const HUB_TOKEN_NAME = 'admin'
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token).digest()

export class TokenRegistry {
  private readonly tokens: StoredToken[]
  private readonly digests: Buffer[]
  private dirty = false

  constructor(
    stored: StoredToken[] = [],
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = stored.map((t) => ({ ...t }))
    this.digests = this.tokens.map((t) => Buffer.from(t.digest, 'hex'))
  }

  /**
   * The stored token whose digest is `digest`, unless it has expired. Every digest is compared, in constant time,
   * whatever matched: the time taken says nothing about which token (if any) it was.
   */
  match(digest: Buffer): Principal | null {
    let found = -1
    for (let i = 0; i < this.digests.length; i++) {
      if (timingSafeEqual(this.digests[i]!, digest) && found === -1) found = i
    }
    if (found === -1) return null
    const t = this.tokens[found]!
    const now = this.now()
    if (t.expires !== null && Date.parse(t.expires) <= now) return null
    t.last_used = new Date(now).toISOString()
    this.dirty = true
    return { role: t.role, name: t.name }
  }

  /** A new token; its text is returned here only. `conflict` when the name is taken. */
  create(o: {
    role: Role
    name?: string
    expiresInMs?: number
  }): { token: string; info: TokenInfo } | 'conflict' {
    const name = o.name ?? this.freeName(o.role)
    if (name === HUB_TOKEN_NAME || this.tokens.some((t) => t.name === name)) return 'conflict'
    const token = `gct_${randomBytes(32).toString('base64url')}`
    const now = this.now()
    const stored: StoredToken = {
      name,
      role: o.role,
      digest: tokenDigest(token).toString('hex'),
      created: new Date(now).toISOString(),
      expires: o.expiresInMs === undefined ? null : new Date(now + o.expiresInMs).toISOString(),
      last_used: null,
    }
    this.tokens.push(stored)
    this.digests.push(Buffer.from(stored.digest, 'hex'))
    return { token, info: this.info(stored) }
  }

  list(): TokenInfo[] {
    return this.tokens.map((t) => this.info(t))
  }

  /** Removes a token: the next request that carries it is refused. False when no token has that name. */
  revoke(name: string): boolean {
    const i = this.tokens.findIndex((t) => t.name === name)
    if (i === -1) return false
    this.tokens.splice(i, 1)
    this.digests.splice(i, 1)
    return true
  }

  snapshot(): StoredToken[] {
    this.dirty = false
    return this.tokens.map((t) => ({ ...t }))
  }

  /** True when a token was used since the last snapshot (its last_used is worth saving). */
  get changed(): boolean {
    return this.dirty
  }

  private info(t: StoredToken): TokenInfo {
    const { digest: _digest, ...rest } = t
    return { ...rest, expired: t.expires !== null && Date.parse(t.expires) <= this.now() }
  }

  private freeName(role: Role): string {
    for (;;) {
      const name = `${role}-${randomBytes(3).toString('hex')}`
      if (!this.tokens.some((t) => t.name === name)) return name
    }
  }
}
