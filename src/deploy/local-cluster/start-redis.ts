// Step: Redis for a local cluster — redis-server or the Docker image (as chosen), recorded the moment it has a
// pid; on a restart, from its own config file and AOF. An existing server (--redis URL) is only checked.
import { mkdirSync } from 'node:fs'
import { relative } from 'node:path'
import { GridcoreError } from '../../lib/errors.js'
import { startTimeOf } from '../../lib/proc.js'
import { redactUrl } from '../../lib/redact.js'
import { openRedis } from '../../redis/client.js'
import { launchDockerRedis } from '../redis-docker.js'
import { launchRedis } from '../redis-launcher.js'
import type { UpContext } from './context.js'
import { withPid, withRunning } from './record.js'

export async function startRedis(ctx: UpContext, o: { restart: boolean }): Promise<string> {
  if (ctx.choice.redis === 'url') {
    const r = await openRedis(ctx.redisUrl)
    r.disconnect()
    ctx.record.update((s) => withRunning(s, 'redis', {}))
    return `using ${redactUrl(ctx.redisUrl)}`
  }
  if (!ctx.redisPassword)
    throw new GridcoreError(
      'CONFIG',
      'the local profile has no Redis password: run gridcore down, then gridcore up',
    )
  mkdirSync(ctx.files.redisDir, { recursive: true, mode: 0o700 })
  const opts = {
    port: ctx.redisPort,
    password: ctx.redisPassword,
    dataDir: ctx.files.redisDir,
    detached: true,
    reuseConfig: o.restart,
    image: ctx.redisImage,
    timeoutMs: ctx.timeoutMs,
    onPid: (pid: number) => ctx.record.update((s) => withPid(s, 'redis', pid, startTimeOf(pid))),
    ...(ctx.listen ? { listen: [ctx.listen.address] } : {}),
    ...(ctx.tls ? { tls: tlsFiles(ctx.files.redisDir, ctx.tls) } : {}),
  }
  const r = ctx.choice.redis === 'docker' ? await launchDockerRedis(opts) : await launchRedis(opts)
  ctx.record.update((s) =>
    withRunning(s, 'redis', {
      pid: r.pid,
      started: r.started,
      cmdline: undefined,
      config_path: r.configPath,
      log_path: r.logPath || undefined,
      container_id: r.containerId,
      container_name: r.containerName,
      image: r.mode === 'docker' ? opts.image : undefined,
    }),
  )
  const via = r.mode === 'docker' ? `container ${r.containerName}` : `pid ${r.pid}`
  const also = ctx.listen ? `, and ${redactUrl(ctx.redisUrl)} for other machines` : ''
  return `${redactUrl(r.url)}${also} (${via}; AOF on, data in ${r.dataDir})`
}

/** The TLS files as Redis names them: relative to its data dir (mounted elsewhere in Docker). */
function tlsFiles(dataDir: string, tls: NonNullable<UpContext['tls']>) {
  const rel = (f: string) => relative(dataDir, f)
  return {
    certFile: rel(tls.paths.cert),
    keyFile: rel(tls.paths.key),
    caFile: rel(tls.paths.caCert),
    caPem: tls.caPem,
  }
}
