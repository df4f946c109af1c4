// Who a request is: the Bearer token's digest against the hub's own token (admin) and the scoped tokens,
// in constant time (digests first, so lengths never leak).
import { timingSafeEqual } from 'node:crypto'
import { HUB_TOKEN_NAME, type Principal, type TokenRegistry, tokenDigest } from './tokens.js'

export function authenticator(
  hubToken: string,
  tokens: TokenRegistry,
): (authorization: string | undefined) => Principal | null {
  const admin = tokenDigest(hubToken)
  return (authorization) => {
    if (!authorization?.startsWith('Bearer ')) return null
    const presented = tokenDigest(authorization.slice(7))
    // Both checks always run: which one matched does not show in the time taken.
    const isAdmin = timingSafeEqual(presented, admin)
    const scoped = tokens.match(presented)
    if (isAdmin) return { role: 'admin', name: HUB_TOKEN_NAME }
    return scoped
  }
}
