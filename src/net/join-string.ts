// The join string a cluster hands to a joining machine: gridcore://HOST:PORT/?ca=sha256:<hex>&token=<token>
// (or &insecure=1 instead of ca for a plaintext cluster), parsed once into a typed value and formatted back.
import { isIP } from 'node:net'
import { GridcoreError } from '../lib/errors.js'
import { fingerprintProblem, normalizeFingerprint } from './fingerprint.js'

export interface JoinString {
  /** Host name or address, IPv6 without brackets. */
  host: string
  port: number
  /** The token the joining side presents (a node token for `join`). */
  token: string
  /** The pinned CA fingerprint, `sha256:<64 lower-case hex>`; absent exactly when `insecure`. */
  ca?: string
  insecure: boolean
}

const SCHEME = 'gridcore://'
const HINT =
  'copy the whole string gridcore up --listen (or gridcore token create --role node) printed, in quotes'

export function formatJoinString(j: JoinString): string {
  if (!j.insecure && !j.ca) throw new GridcoreError('INTERNAL', 'a TLS join string needs the CA fingerprint')
  const params = j.insecure ? [] : [`ca=${j.ca}`]
  params.push(`token=${encodeURIComponent(j.token)}`)
  if (j.insecure) params.push('insecure=1')
  return `${SCHEME}${hostPort(j.host, j.port)}/?${params.join('&')}`
}

/** The hub's base URL for a join string: https for a pinned cluster, http for a plaintext one. */
export function hubUrl(j: Pick<JoinString, 'host' | 'port' | 'insecure'>): string {
  return `${j.insecure ? 'http' : 'https'}://${hostPort(j.host, j.port)}`
}

/** host:port with IPv6 addresses in brackets. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

/** The join string with its token masked, for messages and logs. */
export function redactJoinString(raw: string): string {
  return raw.replace(/([?&]token=)[^&#\s]*/gi, '$1***')
}

export function parseJoinString(input: string): JoinString {
  const raw = input.trim()
  const bad = (what: string) =>
    new GridcoreError('USAGE', `the join string "${redactJoinString(raw)}" ${what}`, {
      joinString: redactJoinString(raw),
    })
  if (!raw.toLowerCase().startsWith(SCHEME)) {
    throw bad(`does not start with ${SCHEME}: ${HINT}`)
  }
  if (raw.includes('#')) throw bad(`contains "#" (a token's reserved characters are %-encoded): ${HINT}`)
  const rest = raw.slice(SCHEME.length)
  const q = rest.indexOf('?')
  const authority = (q === -1 ? rest : rest.slice(0, q)).replace(/\/$/, '')
  if (authority.includes('/')) throw bad(`has a path after the host: expected ${SCHEME}HOST:PORT/?…`)
  if (authority.includes('@'))
    throw bad(`has user information before the host: expected ${SCHEME}HOST:PORT/?…`)
  const { host, port } = parseAuthority(authority, bad)
  const params = parseQuery(q === -1 ? '' : rest.slice(q + 1), bad)
  const token = params.get('token')
  if (!token) throw bad(`has no token=: ${HINT}`)
  const insecureRaw = params.get('insecure')
  if (insecureRaw !== undefined && insecureRaw !== '1') {
    throw bad(`has insecure=${insecureRaw.slice(0, 10)}: expected insecure=1 or no insecure parameter`)
  }
  const insecure = insecureRaw === '1'
  const caRaw = params.get('ca')
  if (insecure && caRaw !== undefined) {
    throw bad('has both ca= and insecure=1: a join string pins a CA or is plaintext, not both')
  }
  if (insecure) return { host, port, token, insecure }
  if (caRaw === undefined) {
    throw bad(
      `has no ca=sha256:… (the cluster CA's fingerprint; a plaintext cluster says insecure=1): ${HINT}`,
    )
  }
  const ca = normalizeFingerprint(caRaw)
  if (!ca) {
    throw bad(
      `has ca= that is not a CA fingerprint (${fingerprintProblem(caRaw)}): expected sha256: and 64 hex digits`,
    )
  }
  return { host, port, token, ca, insecure }
}

function parseAuthority(
  authority: string,
  bad: (what: string) => GridcoreError,
): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(authority)
  if (!m) {
    if ((authority.match(/:/g) ?? []).length > 1 && !authority.startsWith('[')) {
      throw bad(`has an IPv6 host without brackets: write it as ${SCHEME}[ADDRESS]:PORT/?…`)
    }
    throw bad(`does not name HOST:PORT after ${SCHEME} (e.g. ${SCHEME}10.0.0.5:8443/?…): ${HINT}`)
  }
  const port = Number(m[3])
  if (port < 1 || port > 65535) throw bad(`has port ${m[3]}: expected a port from 1 to 65535`)
  if (m[1] !== undefined) {
    if (isIP(m[1]) !== 6) throw bad(`has "[${m[1]}]" in brackets, which is not an IPv6 address`)
    return { host: m[1].toLowerCase(), port }
  }
  const host = m[2]!.toLowerCase()
  const dns = host.split('.').every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l))
  if (!host || (!isIP(host) && !dns))
    throw bad(`has host "${host}", which is neither an address nor a host name`)
  return { host, port }
}

function parseQuery(query: string, bad: (what: string) => GridcoreError): Map<string, string> {
  const params = new Map<string, string>()
  for (const part of query.split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const rawKey = eq === -1 ? part : part.slice(0, eq)
    let key: string
    let value: string
    try {
      // decodeURIComponent, not URLSearchParams: a literal "+" in a token stays a "+".
      key = decodeURIComponent(rawKey).toLowerCase()
      value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1))
    } catch {
      throw bad(`has a parameter with a broken %-escape near "${rawKey}=": ${HINT}`)
    }
    if (params.has(key)) throw bad(`has ${key}= twice: expected each parameter once`)
    params.set(key, value)
  }
  return params
}
