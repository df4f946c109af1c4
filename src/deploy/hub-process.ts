// The embedded hub as `gridcore hub start` runs it: options from computehub.toml and flags, its TLS files read, the
// auto-finish drain watcher and the queue reader (metrics, status page, ledger) plugged in; what it prints once up.
import { redisDrainWatcher } from '../autofinish/watcher.js'
import { readHubTls } from '../hub/certs.js'
import { type RunningHub, startHub } from '../hub/daemon.js'
import { type HubFlagInput, resolveHubOptions } from '../hub/options.js'
import type { LogFormat } from '../lib/logger.js'
import { caFingerprint } from '../net/fingerprint.js'
import { redisQueueReader } from '../observe/queue-reader.js'

export interface HubProcessOptions extends HubFlagInput {
  logFormat: LogFormat
  nodeTimeoutMs: number
  sweepIntervalMs: number
  autoFinishSettleMs: number
  autoFinishIntervalMs: number
  statsIntervalMs: number
  /** Told the hub's token as soon as it is known (so the command keeps it out of every message). */
  secret: (token: string) => void
}

export interface HubProcess {
  hub: RunningHub
  /** What `hub start --json` prints once listening. */
  listening: {
    url: string
    urls: string[]
    bind: string
    tls: boolean
    ca_fingerprint: string | null
    pid: number
    state_file: string
  }
}

export async function startHubProcess(o: HubProcessOptions): Promise<HubProcess> {
  const opts = resolveHubOptions(o)
  o.secret(opts.token)
  const tls = opts.tls ? readHubTls(opts.tls) : undefined
  const hub = await startHub({
    ...opts,
    tls,
    logFormat: o.logFormat,
    nodeTimeoutMs: o.nodeTimeoutMs,
    sweepIntervalMs: o.sweepIntervalMs,
    drainWatcher: (logger) => redisDrainWatcher({ logger, caPem: tls?.caCert }),
    autoFinish: { settleMs: o.autoFinishSettleMs, intervalMs: o.autoFinishIntervalMs },
    queueReader: (logger) =>
      redisQueueReader({
        logger,
        intervalMs: o.statsIntervalMs,
        defaultRedisUrl: opts.redisUrl,
        caPem: tls?.caCert,
      }),
  })
  return {
    hub,
    listening: {
      url: hub.url,
      urls: hub.listeners.map((l) => l.url),
      bind: opts.bind,
      tls: Boolean(tls),
      ca_fingerprint: tls ? caFingerprint(tls.caCert) : null,
      pid: process.pid,
      state_file: opts.stateFile,
    },
  }
}
