// The hub client's failures as one line each: the status the hub answered (401 token, 403 role, other 4xx/5xx with
// its text), or why it could not be reached (down, slow, or a certificate this machine does not trust).
import { GridcoreError, oneLine } from '../lib/errors.js'

export function hubHttpError(r: {
  url: string
  method: string
  path: string
  status: number
  text: string
}): GridcoreError {
  const route = r.path.split('?')[0]
  if (r.status === 401) {
    return new GridcoreError(
      'HUB_AUTH',
      `the hub at ${r.url} rejected the token (401): it is wrong, revoked or expired; check the cluster's token (gridcore connect again with a valid one)`,
      { status: 401 },
    )
  }
  if (r.status === 403) {
    return new GridcoreError(
      'HUB_AUTH',
      `the hub at ${r.url} refused ${r.method} ${route} for this token (403): ${oneLine(r.text) || 'forbidden'}; use a token with that role (an admin makes one with gridcore token create --role ROLE)`,
      { status: 403 },
    )
  }
  const detail = oneLine(r.text) || `HTTP ${r.status}`
  return new GridcoreError(
    'HUB_REJECTED',
    `the hub rejected ${r.method} ${r.url}${route} (${r.status}): ${detail}`,
    { status: r.status, body: r.text },
  )
}

const TLS_TRUST = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/

export function hubUnreachable(
  err: NodeJS.ErrnoException,
  o: { url: string; timeoutMs: number; pinned: boolean },
): GridcoreError {
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause
  const tls = [err.code, cause?.code].find((c) => c && TLS_TRUST.test(c))
  if (tls) {
    return new GridcoreError(
      'HUB_AUTH',
      `the hub at ${o.url} presents a certificate this machine does not trust (${tls}): ${
        o.pinned
          ? 'it is not signed by the cluster CA saved with this profile; connect again with a fresh join string'
          : 'connect with the join string or --ca-fingerprint so the cluster CA is pinned'
      }`,
    )
  }
  const code = err.code ?? cause?.code ?? err.name
  const timeout =
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  const why = timeout ? `no answer within ${o.timeoutMs} ms` : code
  return new GridcoreError(
    'HUB_UNREACHABLE',
    `cannot reach the hub at ${o.url} (${why}): is it running? check the URL, or start one with gridcore hub start`,
  )
}
