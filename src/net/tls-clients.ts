// The undici dispatcher for the cluster hub's HTTPS: it trusts the pinned cluster CA and nothing else.
import { Agent } from 'undici'

/** An undici dispatcher for https:// requests to the cluster's hub, verified against the cluster CA. */
export function pinnedAgent(caPem: string, opts: { connectTimeoutMs?: number } = {}): Agent {
  return new Agent({ connect: { ca: caPem, timeout: opts.connectTimeoutMs ?? 10_000 } })
}
