// Request targets as hyper and axum read them: origin-form or absolute-form, raw paths, lenient %-decoding.

export interface Target {
  /** The raw path, still percent-encoded, as routes are matched (axum matches the undecoded path). */
  path: string
  query: URLSearchParams
}

const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/

/**
 * Splits a request target into path and query; null when it is no valid target (hyper answers those with 400).
 * `*` (asterisk-form) is kept as the path `*`, which no route matches.
 */
export function parseTarget(raw: string): Target | null {
  if (/[\s\x00-\x1f\x7f]/.test(raw)) return null
  let rest: string
  if (raw.startsWith('/') || raw === '*') rest = raw
  else {
    const m = ABSOLUTE.exec(raw)
    if (!m || m[0].length !== raw.length) return null
    const [, scheme, authority, tail] = m
    if (!validAuthority(scheme!, authority!)) return null
    rest = tail!.startsWith('/') ? tail! : `/${tail}`
  }
  const q = rest.indexOf('?')
  const path = q < 0 ? rest : rest.slice(0, q)
  // URLSearchParams decodes like serde_urlencoded: bad escapes stay literal, bad UTF-8 becomes U+FFFD.
  const query = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1))
  return { path, query }
}

function validAuthority(scheme: string, authority: string): boolean {
  if (authority === '' || /[\s<>"{}|\\^`]/.test(authority)) return false
  try {
    return new URL(`${scheme}://${authority}/`).host !== ''
  } catch {
    return false
  }
}

/** The last value a query gives a key (serde_urlencoded into a map keeps the last), or undefined. */
export function lastQueryValue(query: URLSearchParams, key: string): string | undefined {
  return query.getAll(key).at(-1)
}

/**
 * Percent-decodes a path segment like axum's Path: escapes that are not `%XX` stay as they are; null when the
 * decoded bytes are not UTF-8 (axum: 400 "Invalid URL: Invalid UTF-8 in `key`").
 */
export function decodeSegment(segment: string): string | null {
  if (!segment.includes('%')) return segment
  const bytes: number[] = []
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (c === 37 && /^[0-9A-Fa-f]{2}$/.test(segment.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(segment.slice(i + 1, i + 3), 16))
      i += 2
    } else bytes.push(...Buffer.from(segment[i]!, 'utf8'))
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Uint8Array.from(bytes))
  } catch {
    return null
  }
}
