// Bearer-token check in constant time: both sides are hashed first so lengths never leak.
import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (s: string) => createHash('sha256').update(s).digest()

export function tokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token)
  return (authorization) => {
    if (!authorization?.startsWith('Bearer ')) return false
    return timingSafeEqual(digest(authorization.slice(7)), expected)
  }
}
