// Redis URL checks and the split between the public part (kept in skill.toml) and the password.
import { GridcoreError } from '../lib/errors.js'
import { redactUrl } from '../lib/redact.js'

export function parseRedisUrl(raw: string): URL {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new GridcoreError(
      'USAGE',
      `Redis URL "${redactUrl(raw)}" is not a valid URL: expected redis://host:port[/db] (with a password: redis://:PASSWORD@host:port)`,
    )
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new GridcoreError('USAGE', `Redis URL "${redactUrl(raw)}" must start with redis:// or rediss://`)
  }
  if (!u.hostname)
    throw new GridcoreError(
      'USAGE',
      `Redis URL "${redactUrl(raw)}" has no host: expected redis://host:port (with a password: redis://:PASSWORD@host:port)`,
    )
  return u
}

/** redis://:pw@h:1/0 -> { publicUrl: redis://h:1/0, password: pw } (username stays in the URL). */
export function splitRedisUrl(raw: string): { publicUrl: string; password?: string } {
  const u = parseRedisUrl(raw)
  const password = u.password ? decodeURIComponent(u.password) : undefined
  u.password = ''
  return { publicUrl: u.toString().replace(/^(rediss?:\/\/)@/, '$1'), password }
}

/** The inverse of splitRedisUrl. */
export function joinRedisUrl(publicUrl: string, password?: string): string {
  if (!password) return publicUrl
  const u = parseRedisUrl(publicUrl)
  u.password = encodeURIComponent(password)
  return u.toString()
}
