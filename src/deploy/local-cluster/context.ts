// What every start step of a local cluster reads: the choices, files, secrets and ports, fixed before the first
// process starts; the one thing that changes is the record on disk. A new kind of step (certificates, a TLS Redis,
// an advertised address) adds its fields here and a step beside start-redis.ts / start-daemons.ts.

import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { LocalClusterState } from '../../cluster/local.js'
import { caFileFor } from '../../cluster/profile-ca.js'
import { loadProfile, saveProfile } from '../../cluster/profiles.js'
import { LOCAL } from '../../cluster/resolve.js'
import { configError } from '../../lib/errors.js'
import type { Paths } from '../../lib/paths.js'
import { startTimeOf } from '../../lib/proc.js'
import { redactUrl } from '../../lib/redact.js'
import { hostPort } from '../../net/join-string.js'
import { tlsPaths } from '../../net/tls-files.js'
import { splitRedisUrl } from '../../redis/url.js'
import { writeLocalConfigs } from '../config-files.js'
import { keptPassword, redisUrlFor } from '../redis-launcher.js'
import type { Choice } from './choose.js'
import { isWildcard, type ListenSettings } from './listen.js'
import { type ClusterFiles, clusterFiles, RecordBook, startingRecord } from './record.js'
import type { UpSettings } from './settings.js'
import { type ClusterTls, makeClusterTls, recordedTls, tlsRecord } from './tls.js'

export interface UpContext {
  readonly paths: Paths
  readonly files: ClusterFiles
  readonly choice: Choice
  readonly hubUrl: string
  readonly hubPort: number
  readonly redisPort: number
  readonly token: string
  /** The full Redis URL, password included: never print it without redactUrl. */
  readonly redisUrl: string
  /** The password of a Redis gridcore runs; undefined for an existing server. */
  readonly redisPassword: string | undefined
  readonly parallelism: number
  readonly redisImage: string
  readonly timeoutMs: number
  readonly record: RecordBook
  /** Aborted by SIGINT/SIGTERM: a waiting step stops waiting. */
  readonly signal: AbortSignal
  /** up --listen: the listen address and the advertised host; undefined: loopback only. */
  readonly listen?: ListenSettings
  /** The cluster CA and server certificate (set by the certificates step of a TLS cluster). */
  readonly tls?: ClusterTls
}

/** The Redis URL other machines use: the advertised host, rediss:// unless plaintext. */
export function advertisedRedisUrl(listen: ListenSettings, port: number, password: string): string {
  const scheme = listen.tls ? 'rediss' : 'redis'
  return `${scheme}://:${encodeURIComponent(password)}@${hostPort(listen.advertise, port)}`
}

/** The `local` profile: this machine's URL of the hub, the Redis URL tasks carry, the CA, the advertised host. */
function saveLocalProfile(ctx: Omit<UpContext, 'record' | 'signal'>): void {
  saveProfile(
    {
      name: LOCAL,
      hubUrl: ctx.hubUrl,
      token: ctx.token,
      redisUrl: ctx.redisUrl,
      ...(ctx.tls
        ? { ca: { pem: ctx.tls.caPem, fingerprint: ctx.tls.fingerprint, file: caFileFor(LOCAL, ctx.paths) } }
        : {}),
      ...(ctx.listen ? { advertise: hostPort(ctx.listen.advertise, ctx.hubPort) } : {}),
    },
    ctx.paths,
    { mode: 'local' },
  )
}

/**
 * A new cluster: the record first (every part `starting`), then computehub.toml/gridnode.toml (0600) and the
 * `local` profile, whose credentials.toml holds the token and the Redis password (0600).
 */
export function configure(s: UpSettings, choice: Choice, p: Paths, signal: AbortSignal): UpContext {
  const token = `gc-${randomBytes(18).toString('hex')}`
  const files = clusterFiles(p, s.redisPort, choice.redis !== 'url')
  // Data kept by an earlier down comes back with its password: the kept tasks name Redis by its URL.
  const password =
    choice.redis === 'url' ? undefined : (keptPassword(files.redisDir) ?? randomBytes(18).toString('hex'))
  // Listening, tasks carry the advertised URL: a node on another machine reaches Redis by it (so does this one).
  const redisUrl =
    s.redis.kind === 'url'
      ? s.redis.url
      : s.listen
        ? advertisedRedisUrl(s.listen, s.redisPort, password!)
        : redisUrlFor(s.redisPort, password!)
  const parallelism = s.parallelism ?? availableParallelism()
  const record = new RecordBook(
    p,
    startingRecord({
      choice,
      files,
      hubPort: s.hubPort,
      redisPort: s.redisPort,
      redisUrl: redactUrl(redisUrl),
      parallelism,
      dataCreated: !existsSync(files.redisDir),
      stateCreated: !existsSync(files.hubState),
      now: new Date(),
      by: { pid: process.pid, started: startTimeOf(process.pid) },
      listen: s.listen,
    }),
  )
  const hubUrl = record.state.computehub.url
  writeLocalConfigs(p.upstreamConfigDir, {
    hubPort: s.hubPort,
    token,
    parallelism,
    runtime: choice.runtime,
    ...(s.listen ? { listen: listenConfig(s.listen, s.hubPort, redisUrl, files) } : {}),
  })
  mkdirSync(files.logs, { recursive: true, mode: 0o700 })
  const ctx = {
    paths: p,
    files,
    choice,
    hubUrl,
    hubPort: s.hubPort,
    redisPort: s.redisPort,
    token,
    redisUrl,
    redisPassword: password,
    parallelism,
    redisImage: s.redisImage,
    timeoutMs: s.timeoutMs,
    record,
    signal,
    ...(s.listen ? { listen: s.listen } : {}),
  }
  saveLocalProfile(ctx)
  return ctx
}

/** What computehub.toml and gridnode.toml say for a listening cluster (the TLS files come in the next step). */
function listenConfig(listen: ListenSettings, hubPort: number, redisUrl: string, files: ClusterFiles) {
  const t = tlsPaths(files.tlsDir)
  return {
    bind: hostPort(listen.address, hubPort),
    // A wildcard already covers loopback; an interface address needs loopback beside it for this machine's tools.
    alsoBind: isWildcard(listen.address) ? [] : [`127.0.0.1:${hubPort}`],
    redisUrl,
    ...(listen.tls ? { tls: { cert: t.cert, key: t.key, ca: t.caCert } } : {}),
  }
}

/**
 * Step of a TLS cluster: the CA (kept from the data of an earlier cluster, else made) and a server certificate for
 * the advertised host, recorded, and the CA put in the local profile so this machine's tools trust the cluster.
 */
export async function withClusterTls(ctx: UpContext): Promise<UpContext> {
  if (!ctx.listen?.tls) return ctx
  const tls = await makeClusterTls(ctx.files.tlsDir, ctx.listen)
  ctx.record.update((st) => ({ ...st, tls: tlsRecord(tls) }))
  const next = { ...ctx, tls }
  saveLocalProfile(next)
  return next
}

/** A recorded cluster, to restart its dead parts: everything as it was recorded, secrets from the profile. */
export function recordedContext(
  state: LocalClusterState,
  s: UpSettings,
  p: Paths,
  signal: AbortSignal,
): UpContext {
  const profile = loadProfile(LOCAL, p)
  if (!profile)
    throw configError(
      `the local cluster's profile is missing from ${p.skillToml}: run gridcore down (it keeps the data), then gridcore up`,
    )
  const redisMode = state.redis?.managed ? (state.redis.mode ?? 'binary') : 'url'
  if (!profile.redisUrl)
    throw configError(
      `the local profile in ${p.skillToml} has no redis_url: run gridcore down, then gridcore up`,
    )
  const redisPort = state.redis?.port ?? Number(new URL(profile.redisUrl).port)
  const files = {
    ...clusterFiles(p, redisPort, redisMode !== 'url'),
    ...(state.redis?.data_dir ? { redisDir: state.redis.data_dir } : {}),
    ...(state.tls ? { tlsDir: state.tls.dir } : {}),
    ...(state.join_token_file ? { joinToken: state.join_token_file } : {}),
  }
  const native = state.engine === 'native'
  const tls = recordedTls(state)
  if (state.tls && !tls)
    throw configError(
      `the cluster CA ${state.tls.ca_file} cannot be read: run gridcore down (it keeps the data), then gridcore up --listen again (a new CA means every joined machine must join again)`,
    )
  return {
    paths: p,
    files: {
      ...files,
      hubConfig: state.computehub.config_path ?? files.hubConfig,
      nodeConfig: state.gridnode?.config_path ?? files.nodeConfig,
      hubState: state.computehub.state_file ?? files.hubState,
      nodeStateDir: state.gridnode?.state_dir ?? files.nodeStateDir,
    },
    choice: {
      engine: native ? 'native' : 'embedded',
      runtime: state.runtime ?? 'auto',
      docker: false,
      redis: redisMode,
      binaries:
        native && state.computehub.binary_path && state.gridnode?.binary_path
          ? { computehub: state.computehub.binary_path, gridnode: state.gridnode.binary_path, version: null }
          : undefined,
    },
    hubUrl: state.computehub.url,
    hubPort: state.computehub.port ?? Number(new URL(state.computehub.url).port),
    redisPort,
    token: profile.token,
    redisUrl: profile.redisUrl,
    redisPassword: redisMode === 'url' ? undefined : splitRedisUrl(profile.redisUrl).password,
    parallelism: state.gridnode?.parallelism ?? availableParallelism(),
    redisImage: state.redis?.image ?? s.redisImage,
    timeoutMs: s.timeoutMs,
    record: new RecordBook(p, state),
    signal,
    ...(state.listen ? { listen: state.listen } : {}),
    ...(tls ? { tls } : {}),
  }
}
