// Loads the queue protocol's Lua scripts (lua/*.lua, each documenting KEYS/ARGV/returns) onto a client.
import { readFileSync } from 'node:fs'
import type { Redis } from 'ioredis'

const NAMES = ['take', 'renew', 'commit', 'recover', 'retry', 'collect'] as const
type ScriptName = (typeof NAMES)[number]

const KEY_COUNTS: Record<ScriptName, number> = {
  take: 7,
  renew: 1,
  commit: 6,
  recover: 7,
  retry: 4,
  collect: 2,
}

let sources: Record<ScriptName, string> | undefined

/** The Lua text of every script (also copied into consumer templates by gridcore init). */
export function scriptSources(): Record<ScriptName, string> {
  sources ??= Object.fromEntries(
    NAMES.map((n) => [n, readFileSync(new URL(`./lua/${n}.lua`, import.meta.url), 'utf8')]),
  ) as Record<ScriptName, string>
  return sources
}

type Arg = string | number | Buffer
export interface QueueScripts {
  gcTake(...args: Arg[]): Promise<string[]>
  gcRenew(...args: Arg[]): Promise<number>
  gcCommit(...args: Arg[]): Promise<number | [number, number]>
  gcRecover(...args: Arg[]): Promise<[number, number]>
  gcRetry(...args: Arg[]): Promise<number>
  gcCollect(...args: Arg[]): Promise<number>
}

export type ScriptedRedis = Redis & QueueScripts

const loaded = new WeakSet<Redis>()

/** Defines the scripts as commands (EVALSHA with EVAL fallback) on this connection, once. */
export function withScripts(redis: Redis): ScriptedRedis {
  if (!loaded.has(redis)) {
    const src = scriptSources()
    for (const name of NAMES) {
      const cmd = `gc${name[0]!.toUpperCase()}${name.slice(1)}`
      redis.defineCommand(cmd, { numberOfKeys: KEY_COUNTS[name], lua: src[name] })
    }
    loaded.add(redis)
  }
  return redis as ScriptedRedis
}
