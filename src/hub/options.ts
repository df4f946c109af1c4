// Turns `gridcore hub start` flags plus an upstream computehub.toml into the hub's start options.
import { dirname, join, resolve } from 'node:path'
import { configError, GridcoreError } from '../lib/errors.js'
import { paths } from '../lib/paths.js'
import { parseBind } from './bind.js'
import type { HubTlsFiles } from './certs.js'
import { DEFAULT_BIND, findUpstreamConfig, readHubConfig } from './config.js'

export interface HubFlagInput {
  config?: string
  bind?: string
  token?: string
  stateFile?: string
  tlsCert?: string
  tlsKey?: string
  tlsCa?: string
  alsoBind?: string[]
}

export interface ResolvedHubOptions {
  configPath?: string
  bind: string
  /** More addresses served exactly like `bind`. */
  alsoBind: string[]
  token: string
  stateFile: string
  /** The TLS files, absolute; absent: plain HTTP. */
  tls?: HubTlsFiles
  redisUrl?: string
}

export function resolveHubOptions(input: HubFlagInput, env = process.env): ResolvedHubOptions {
  const configPath = input.config ?? findUpstreamConfig('computehub.toml', env)
  const cfg = configPath ? readHubConfig(configPath) : {}
  const bind = input.bind ?? cfg.bind ?? DEFAULT_BIND
  parseBind(bind)
  const alsoBind = input.alsoBind?.length ? input.alsoBind : (cfg.also_bind ?? [])
  for (const b of alsoBind) parseBind(b)
  const token = input.token ?? cfg.token
  if (!token) {
    throw configError(
      configPath
        ? `hub config ${configPath} has no token: add token = "…" to it or pass --token`
        : 'the hub needs a token: pass --config computehub.toml (with token = "…") or --token',
    )
  }
  const stateFile =
    input.stateFile ?? join(configPath ? dirname(configPath) : paths(env).dataDir, 'computehub-state.json')
  const tls = tlsFiles(input, cfg, configPath)
  return {
    configPath,
    bind,
    alsoBind,
    token,
    stateFile,
    ...(tls ? { tls } : {}),
    ...(cfg.redis_url ? { redisUrl: cfg.redis_url } : {}),
  }
}

/** All three TLS files or none; a flag's path against the working directory, the file's against its directory. */
function tlsFiles(
  input: HubFlagInput,
  cfg: { tls_cert?: string; tls_key?: string; tls_ca?: string },
  configPath: string | undefined,
): HubTlsFiles | undefined {
  const base = configPath ? dirname(resolve(configPath)) : process.cwd()
  const pick = (flag: string | undefined, key: string | undefined) =>
    flag !== undefined ? resolve(flag) : key !== undefined ? resolve(base, key) : undefined
  const cert = pick(input.tlsCert, cfg.tls_cert)
  const key = pick(input.tlsKey, cfg.tls_key)
  const ca = pick(input.tlsCa, cfg.tls_ca)
  const given = [cert, key, ca].filter((v) => v !== undefined).length
  if (given === 0) return undefined
  if (given < 3) {
    const missing = [
      ['--tls-cert', 'tls_cert', cert],
      ['--tls-key', 'tls_key', key],
      ['--tls-ca', 'tls_ca', ca],
    ]
      .filter(([, , v]) => v === undefined)
      .map(([flag, k]) => `${flag} (${k})`)
    throw new GridcoreError(
      input.tlsCert || input.tlsKey || input.tlsCa ? 'USAGE' : 'CONFIG',
      `HTTPS needs the certificate, its key and the cluster CA together: also pass ${missing.join(' and ')}`,
    )
  }
  return { cert: cert!, key: key!, ca: ca! }
}
