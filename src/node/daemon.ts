// The embedded GridNode: register (and again when the hub forgets us), heartbeat (with instances' output lines),
// poll the current task, run it through a runtime (rediss:// reached through loopback proxies), adapt the instance
// count to the machine's load (parallelism = "auto"), and stop gracefully on a hub stop request or SIGINT/SIGTERM.
import { setTimeout as delay } from 'node:timers/promises'
import { HubClient } from '../client/hub-client.js'
import {
  archOfThisMachine,
  type HeartbeatRequest,
  platformForArch,
  type TaskConfig,
  taskFingerprint,
} from '../hub/protocol.js'
import type { Logger } from '../lib/logger.js'
import { type LoadSource, runAdaptive } from './adaptive.js'
import { saveNodeId } from './config.js'
import { Supervisor } from './instances.js'
import { LogBuffer } from './log-buffer.js'
import { LogShipper } from './log-shipper.js'
import { createRuntime, type NodeOptions } from './options.js'
import { RedisProxyPool } from './redis-proxy-pool.js'
import { recoverOwn, registerWithRetry, registration } from './registration.js'
import type { Runtime } from './runtime.js'
import { localTask } from './task-redis.js'

export interface NodeContext {
  /** Aborts when the node should stop (SIGINT/SIGTERM): it stops its instances and returns. */
  signal: AbortSignal
  logger: Logger
  /** The runtime instances run in (default: the one the options choose). */
  runtime?: Runtime
  /** What parallelism = "auto" reads the machine's CPU load from (default: /proc/stat, else the load average). */
  loadSource?: LoadSource
  /** Time between load samples (default 5 s). */
  loadSampleMs?: number
}

export interface NodeExit {
  node_id: string
  reason: 'stop_requested' | 'signal'
}

const fingerprint = (t: TaskConfig | null) => (t ? JSON.stringify(t) : 'none')
/** Seconds a long poll asks the hub to hold it (the hub caps it at 30). */
const LONG_POLL_S = 25

export async function runNode(o: NodeOptions, ctx: NodeContext): Promise<NodeExit> {
  const client = new HubClient({ url: o.serverUrl, token: o.token, timeoutMs: 10_000, caPem: o.caPem })
  // One loopback proxy per rediss:// URL, made when a task names it; instances speak plain RESP to it.
  const proxies = new RedisProxyPool({ caPem: o.caPem, logger: ctx.logger })
  const arch = archOfThisMachine()
  const platform = platformForArch(arch)
  const log = ctx.logger
  // The hub's stop request aborts `halt`; either it or the caller's signal stops the node.
  const halt = new AbortController()
  const stop = AbortSignal.any([ctx.signal, halt.signal])
  const stopped = new Promise<void>((resolve) => {
    if (stop.aborted) resolve()
    else stop.addEventListener('abort', () => resolve(), { once: true })
  })
  let reason: NodeExit['reason'] = 'signal'
  const runtime = ctx.runtime ?? (await createRuntime(o, log))

  const register = (id: string | undefined) => client.register(registration(o, runtime, arch, id))
  const reg = await registerWithRetry(() => register(o.nodeId), stop, log)
  const nodeId = reg.node_id
  if (!o.nodeId && o.configPath) {
    saveNodeId(o.configPath, nodeId)
    log.info(`saved node_id to ${o.configPath}`)
  }
  log.info(`registered with ${client.url} as node ${nodeId}`, {
    node: nodeId,
    platform,
    parallelism: o.adaptive ? `auto (${o.parallelism} at most)` : o.parallelism,
    runtime: runtime.name,
    ...(o.gpus !== undefined ? { gpus: o.gpus } : {}),
    group: o.group,
    group_explicit: o.groupExplicit,
  })

  if (o.gpuError) log.warn(`nvidia-smi did not answer (${o.gpuError}): this node reports 0 GPUs`)
  // What starting a task's instances loads (the Redis client for recovering this node's own items, the process
  // runner) is loaded now, while nothing waits, and not when the first task has to start.
  setImmediate(() => {
    void import('ioredis').catch(() => {})
    void import('execa').catch(() => {})
  })
  const cleaned = await runtime.cleanupLeftovers(nodeId)
  if (cleaned) log.info(`removed ${cleaned} leftover instance(s) of an earlier run`, { node: nodeId })

  /** The heartbeat body: status, active count, and the current task's error report while it has one. */
  const beatOf = (): HeartbeatRequest => {
    const { status, error } = supervisor.status()
    return {
      node_id: nodeId,
      status,
      active_containers: supervisor.active,
      ...(error ? { runtime_error: error } : {}),
    }
  }
  // Instances' output lines wait here for the heartbeats that carry them to the hub.
  const logs = new LogBuffer({ onLines: () => shipper.schedule(), secrets: [o.token] })
  const shipper = new LogShipper({ buffer: logs, beat: () => void heartbeat() })
  /** One heartbeat with the due log lines; they go back to the buffer when it is not delivered. */
  const send = async (body: HeartbeatRequest, final = false) => {
    const settle = shipper.attach(body, final)
    try {
      const r = await client.heartbeat(body)
      settle(r)
      return r
    } catch (err) {
      settle(null)
      throw err
    }
  }
  let beat: Promise<void> = Promise.resolve()
  const heartbeat = () => {
    beat = beat.then(async () => {
      if (stop.aborted) return
      try {
        const r = await send(beatOf())
        if (r.reregister) {
          log.warn('the hub does not know this node (it restarted or dropped it); registering again', {
            node: nodeId,
          })
          await register(nodeId)
          await send(beatOf())
        }
        if (r.stop_requested && !stop.aborted) {
          log.info('the hub asked this node to stop', { node: nodeId })
          reason = 'stop_requested'
          halt.abort()
        }
        if (hubDown) log.info('the hub answers again', { node: nodeId })
        hubDown = false
      } catch (err) {
        if (!hubDown) log.warn(`heartbeat failed: ${(err as Error).message}`, { node: nodeId })
        hubDown = true
      }
    })
    return beat
  }
  let hubDown = false
  let lastStatus = ''
  const supervisor = new Supervisor({
    runtime,
    nodeId,
    parallelism: o.parallelism,
    stopTimeoutMs: o.stopTimeoutMs,
    logger: log,
    logs,
    beforeStart: (task) => recoverOwn(task, nodeId, log, o.caPem),
    onChange: () => {
      const s = supervisor.status()
      const key = `${s.status}/${supervisor.active}/${s.error?.at}`
      if (key !== lastStatus) {
        lastStatus = key
        void heartbeat()
      }
    },
  })

  /** Hands the supervisor a task with its Redis URLs as this node's instances reach them. */
  const run = async (task: TaskConfig | null) => {
    if (!task) return supervisor.setTask(null)
    let local: Awaited<ReturnType<typeof localTask>>
    try {
      local = await localTask(task, proxies, o.caFile)
    } catch (err) {
      log.error(`cannot proxy the Redis of task '${task.task_name}': ${(err as Error).message}`, {
        task: task.task_name,
      })
      return supervisor.setTask(task)
    }
    if (local.proxied) {
      log.info(`task '${task.task_name}' reaches its TLS Redis through this node's loopback proxy`, {
        task: task.task_name,
      })
    }
    return supervisor.setTask(local.task, local.env)
  }

  let current = fingerprint(reg.current_task)
  let known = taskFingerprint(reg.current_task)
  let switching = run(reg.current_task)
  const hbTimer = setInterval(() => void heartbeat(), o.heartbeatMs)
  // Polls the task: with long_poll the hub holds each poll until the answer changes, so a switch starts at once;
  // an answer that came back unchanged sooner than task_poll_interval (an upstream hub does not hold) waits out the
  // rest of the interval, so nothing ever polls faster than that.
  const polling = (async () => {
    // After a failed poll, a heartbeat goes first: a hub that restarted learns of this node again before it is
    // asked for a task (as a stranger the node would be served image tasks only, and stop a command task's instances).
    let lostHub = false
    while (!stop.aborted) {
      if (lostHub) {
        await heartbeat()
        lostHub = hubDown
      }
      const began = Date.now()
      let changed = false
      try {
        const task = await client.currentTask(platform, nodeId, {
          group: o.group,
          groupExplicit: o.groupExplicit,
          ...(o.longPoll ? { waitS: LONG_POLL_S, known } : {}),
          signal: stop,
        })
        known = taskFingerprint(task)
        const fp = fingerprint(task)
        if (fp !== current) {
          changed = true
          log.info(
            `task changed: ${supervisor.currentTask?.task_name ?? 'none'} -> ${task?.task_name ?? 'none'}`,
            { node: nodeId },
          )
          current = fp
          switching = switching.then(() => run(task))
        }
      } catch (err) {
        if (stop.aborted) break
        if (!hubDown) log.warn(`could not poll the current task: ${(err as Error).message}`, { node: nodeId })
        lostHub = true
      }
      const rest = o.pollMs - (Date.now() - began)
      if (!changed && rest > 0) await delay(rest, undefined, { signal: stop }).catch(() => {})
    }
  })()
  void heartbeat()
  const adapting = o.adaptive
    ? runAdaptive({
        max: o.parallelism,
        source: ctx.loadSource,
        intervalMs: ctx.loadSampleMs,
        signal: stop,
        logger: log,
        apply: (n) => supervisor.setParallelism(n),
      })
    : Promise.resolve()

  await stopped
  clearInterval(hbTimer)
  await polling
  await adapting
  log.info('stopping: instances get SIGTERM, then SIGKILL after stop_timeout', { node: nodeId })
  await switching.catch(() => {})
  await supervisor.stopAll()
  await proxies.closeAll()
  await beat
  shipper.close()
  // The last lines of the stopped instances go with the final heartbeat.
  await send({ node_id: nodeId, status: 'Idle', active_containers: 0 }, true).catch(() => {})
  await client.close()
  log.info('stopped', { node: nodeId })
  return { node_id: nodeId, reason }
}
