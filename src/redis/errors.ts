// Maps ioredis / RESP errors to one GridcoreError line that names the redacted URL and the fix.
import { GridcoreError, oneLine } from '../lib/errors.js'

/** Maps an ioredis/Redis error to a GridcoreError naming the redacted URL and the fix. */
export function redisError(err: Error, shownUrl: string, cause?: Error): GridcoreError {
  const msg = oneLine(err.message)
  const text = `${msg} ${cause?.message ?? ''}`
  if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    const kind = /NOAUTH/.test(text) ? 'NOAUTH' : 'WRONGPASS'
    return new GridcoreError(
      'REDIS_AUTH',
      `Redis at ${shownUrl} refused the credentials (${kind}): put the right password in the URL, redis://:PASSWORD@host:port`,
    )
  }
  const code = (err as NodeJS.ErrnoException).code ?? (cause as NodeJS.ErrnoException | undefined)?.code
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return new GridcoreError(
      'REDIS_UNREACHABLE',
      `Redis at ${shownUrl} presents a certificate this machine does not trust (${code}): use the cluster's profile (gridcore connect with its join string pins the cluster CA)`,
    )
  }
  if (code || /connect|ETIMEDOUT|Connection is closed|ENOTFOUND|EAI_AGAIN/i.test(text)) {
    return new GridcoreError(
      'REDIS_UNREACHABLE',
      `cannot reach Redis at ${shownUrl} (${code ?? msg}): is it running and is the host:port right?`,
    )
  }
  if (/WRONGTYPE/.test(msg)) {
    return new GridcoreError('REDIS_ERROR', `Redis at ${shownUrl}: ${msg}`)
  }
  return new GridcoreError('REDIS_ERROR', `Redis at ${shownUrl} failed: ${msg}`)
}
