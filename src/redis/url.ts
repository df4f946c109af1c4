// Redis URL checks and the split between the public part (kept in skill.toml) and the password.
import { GridcoreError } from '../lib/errors.js'
import { redactUrl } from '../lib/redact.js'

/** Where a URL came from, for the error: the flag or file that gave it, and the exit code a bad one gets. */
export interface UrlOrigin {
  /** e.g. "--redis" or "/home/me/.config/…/skill.toml [cluster.prod] redis_url" */
  where: string
  /** USAGE (2) for flags and arguments, CONFIG (3) for files. */
  code?: 'USAGE' | 'CONFIG'
}

const EXPECTED = 'expected redis://host:port[/db] (with a password: redis://:PASSWORD@host:port)'

/** Checks a Redis URL (scheme, host, %-escapes in the credentials) and returns it parsed. */
export function parseRedisUrl(raw: string, origin?: UrlOrigin): URL {
  const fail = (problem: string) =>
    new GridcoreError(
      origin?.code ?? 'USAGE',
      `${origin ? `${origin.where}: ` : ''}Redis URL "${redactUrl(raw)}" ${problem}`,
    )
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw fail(`is not a valid URL: ${EXPECTED}`)
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw fail('must start with redis:// or rediss://')
  if (!u.hostname) throw fail(`has no host: ${EXPECTED}`)
  for (const [part, value] of [
    ['user name', u.username],
    ['password', u.password],
  ] as const) {
    try {
      decodeURIComponent(value)
    } catch {
      throw fail(
        `has a malformed %-escape in its ${part}: write a literal % as %25 (percent-encode it, e.g. with encodeURIComponent)`,
      )
    }
  }
  return u
}

/**
 * A Redis URL checked once, at the edge, and passed down as this value: `href` to connect with (password
 * included), `shown` to print (password redacted). It prints redacted by itself (toString, JSON), so a stray
 * log or error line cannot leak the password.
 */
export class RedisUrl {
  private constructor(
    readonly href: string,
    readonly shown: string,
    /** The parsed parts (scheme, host, port, credentials, db); do not mutate. */
    readonly parts: URL,
  ) {}

  static parse(raw: string, origin?: UrlOrigin): RedisUrl {
    return new RedisUrl(raw, redactUrl(raw), parseRedisUrl(raw, origin))
  }

  /** The value as it is, or a string parsed (for callers that still hold a string). */
  static of(url: string | RedisUrl): RedisUrl {
    return url instanceof RedisUrl ? url : RedisUrl.parse(url)
  }

  toString(): string {
    return this.shown
  }

  toJSON(): string {
    return this.shown
  }
}

/** redis://:pw@h:1/0 -> { publicUrl: redis://h:1/0, password: pw } (username stays in the URL). */
export function splitRedisUrl(raw: string, origin?: UrlOrigin): { publicUrl: string; password?: string } {
  const u = parseRedisUrl(raw, origin)
  const password = u.password ? decodeURIComponent(u.password) : undefined
  u.password = ''
  return { publicUrl: u.toString().replace(/^(rediss?:\/\/)@/, '$1'), password }
}

/** The inverse of splitRedisUrl. */
export function joinRedisUrl(publicUrl: string, password?: string, origin?: UrlOrigin): string {
  if (!password) return publicUrl
  const u = parseRedisUrl(publicUrl, origin)
  u.password = encodeURIComponent(password)
  return u.toString()
}
