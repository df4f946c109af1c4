// Step of up --listen: the join string other machines pass to `gridcore join`. One node token per cluster, named
// up-join and kept (0600) beside Redis's data like the tokens' digests, so every up prints the same string and a
// down that keeps the data keeps joined machines joined; `gridcore token revoke up-join` cuts off every machine
// that joined with it, and the next up makes a new one.
import { existsSync, readFileSync } from 'node:fs'
import { HubClient } from '../../client/hub-client.js'
import { GridcoreError } from '../../lib/errors.js'
import { writeFileAtomic } from '../../lib/fs.js'
import { formatJoinString } from '../../net/join-string.js'
import type { ListenSettings } from './listen.js'

export const JOIN_TOKEN_NAME = 'up-join'

export interface JoinInput {
  listen: ListenSettings
  hubPort: number
  /** The hub as this machine reaches it (https://127.0.0.1 for TLS), its admin token and the cluster CA. */
  hubUrl: string
  adminToken: string
  caPem?: string
  tokenFile: string
  /** The CA's fingerprint (TLS clusters). */
  fingerprint?: string
}

export interface JoinMade {
  join: string
  token_name: string
  /** True when this up made the token (the first up, or after a revoke). */
  minted: boolean
}

export async function joinString(i: JoinInput): Promise<JoinMade> {
  const client = (token: string) => new HubClient({ url: i.hubUrl, token, timeoutMs: 5_000, caPem: i.caPem })
  const kept = readKept(i.tokenFile)
  let token = kept && (await stillValid(client(kept))) ? kept : undefined
  const minted = !token
  if (!token) {
    const admin = client(i.adminToken)
    token = await mint(admin).finally(() => admin.close())
    writeFileAtomic(i.tokenFile, `${token}\n`, { mode: 0o600, dirMode: 0o700 })
  }
  const join = formatJoinString({
    host: i.listen.advertise,
    port: i.hubPort,
    token,
    insecure: !i.listen.tls,
    ...(i.listen.tls ? { ca: i.fingerprint } : {}),
  })
  return { join, token_name: JOIN_TOKEN_NAME, minted }
}

function readKept(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  return readFileSync(file, 'utf8').trim() || undefined
}

/** Whether the kept token is still this cluster's node token (revoked or expired: 401). */
async function stillValid(as: HubClient): Promise<boolean> {
  try {
    return (await as.whoami())?.role === 'node'
  } catch (err) {
    if (err instanceof GridcoreError && err.code === 'HUB_AUTH') return false
    throw err
  } finally {
    await as.close()
  }
}

/** A new node token named up-join; one left by a lost token file is revoked first (names are unique). */
async function mint(hub: HubClient): Promise<string> {
  const create = () => hub.createToken({ role: 'node', name: JOIN_TOKEN_NAME })
  try {
    return (await create()).token
  } catch (err) {
    if (!(err instanceof GridcoreError) || err.details?.status !== 409) throw err
    await hub.revokeToken(JOIN_TOKEN_NAME)
    return (await create()).token
  }
}
