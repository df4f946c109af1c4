// The queue protocol's Lua scripts (lua/*.lua, each documenting its KEYS/ARGV/returns) as one typed method per
// script. SCRIPT_KEYS is the one place that says which keys each script takes, in which order (and so how many);
// the scripts name the same keys as locals at their top, and loading checks that the two agree.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'
import type { QueueKeys } from './keys.js'
import { joinIncludes } from './lua-include.js'

export const SCRIPT_KEYS = {
  take: ['input', 'suspects', 'processing', 'lease', 'consumers', 'attempts', 'dead', 'stats'],
  renew: ['lock'],
  commit: ['processing', 'lease', 'output', 'stats', 'failed', 'attempts', 'ledger'],
  recover: ['processing', 'lease', 'input', 'suspects', 'dead', 'attempts', 'stats', 'consumers'],
  retry: ['source', 'input', 'stats'],
  collect: ['output', 'stats', 'collector', 'drains'],
} as const

export type ScriptName = keyof typeof SCRIPT_KEYS
type KeysOf<N extends ScriptName> = Record<(typeof SCRIPT_KEYS)[N][number], string>
type Arg = string | number | Buffer

export const SCRIPT_NAMES = Object.keys(SCRIPT_KEYS) as ScriptName[]

/** The KEYS a script names as locals at its top (`local input, output = KEYS[1], KEYS[2]`), in order. */
export function declaredKeys(lua: string): string[] {
  const out: string[] = []
  for (const m of lua.matchAll(/^local ([\w, ]+) = (KEYS\[\d+\](?:, KEYS\[\d+\])*)$/gm)) {
    const names = m[1]!.split(',').map((n) => n.trim())
    const slots = [...m[2]!.matchAll(/KEYS\[(\d+)\]/g)].map((k) => Number(k[1]))
    names.forEach((name, i) => {
      if (slots[i] !== undefined) out[slots[i] - 1] = name
    })
  }
  return Array.from(out, (k) => k ?? '?')
}

let sources: Record<ScriptName, string> | undefined

/** The complete text of every script, includes joined (consumer templates copy these). */
export function scriptSources(): Record<ScriptName, string> {
  if (sources) return sources
  const dir = fileURLToPath(new URL('./lua/', import.meta.url))
  const read = (path: string) => readFileSync(path, 'utf8')
  const loaded = {} as Record<ScriptName, string>
  for (const name of SCRIPT_NAMES) {
    const lua = joinIncludes(`${dir}${name}.lua`, read)
    const declared = declaredKeys(lua).join(', ')
    if (declared !== SCRIPT_KEYS[name].join(', '))
      throw new Error(`${name}.lua names KEYS ${declared}; SCRIPT_KEYS says ${SCRIPT_KEYS[name].join(', ')}`)
    loaded[name] = lua
  }
  sources = loaded
  return loaded
}

export interface TakeOptions {
  max: number
  leaseMs: number
  token: string
  maxAttempts: number
}

export interface CommitOptions {
  token: string
  /** Push results to the output list here (false: the consumer pushed them to another Redis already). */
  push: boolean
  /** 0-based positions of the payloads that are errors. */
  failedAt: number[]
  payloads: (Buffer | string)[]
}

export interface RecoverOptions {
  maxAttempts: number
  /** Ignore a live lease (a node recovering its own instances). */
  force: boolean
  /** Count an attempt (the delivery failed) or hand the items back as they were (a graceful stop). */
  countAttempt: boolean
  /** The last error to record with the items (default: the lease expired). */
  reason?: string
}

export class QueueScripts {
  constructor(private readonly redis: Redis) {}

  /** The items to process, in commit order (none when there is nothing to do). */
  take(k: QueueKeys, consumer: string, o: TakeOptions): Promise<Buffer[]> {
    const keys = {
      input: k.input,
      suspects: k.suspects,
      processing: k.processing(consumer),
      lease: k.lease(consumer),
      consumers: k.consumers,
      attempts: k.attempts,
      dead: k.dead,
      stats: k.stats,
    }
    return this.run('take', keys, [o.max, o.leaseMs, o.token, consumer, o.maxAttempts, Date.now()], true)
  }

  /** Extends a lock held under `token` by `ms` (0 releases it); false when it is gone or someone else's. */
  async renew(lock: string, token: string, ms: number): Promise<boolean> {
    return (await this.run('renew', { lock }, [token, ms])) === 1
  }

  /** Settles the first payloads.length items; 'refused' when the lease is gone. */
  async commit(k: QueueKeys, consumer: string, o: CommitOptions): Promise<'refused' | [number, number]> {
    const keys = {
      processing: k.processing(consumer),
      lease: k.lease(consumer),
      output: k.output,
      stats: k.stats,
      failed: k.failed,
      attempts: k.attempts,
      ledger: k.ledger,
    }
    const failedAt = o.failedAt.map((i) => i + 1).join(',')
    const args = [o.token, consumer, Date.now(), o.push ? 1 : 0, failedAt, ...o.payloads]
    const r = await this.run('commit', keys, args)
    return r === -1 ? 'refused' : (r as [number, number])
  }

  /** Gives a consumer's items back: {back, dead}, or 'alive' when its lease still runs (and not forced). */
  async recover(
    k: QueueKeys,
    consumer: string,
    o: RecoverOptions,
  ): Promise<'alive' | { back: number; dead: number }> {
    const keys = {
      processing: k.processing(consumer),
      lease: k.lease(consumer),
      input: k.input,
      suspects: k.suspects,
      dead: k.dead,
      attempts: k.attempts,
      stats: k.stats,
      consumers: k.consumers,
    }
    const args = [
      consumer,
      o.maxAttempts,
      o.force ? 1 : 0,
      Date.now(),
      o.countAttempt ? 1 : 0,
      o.reason ?? '',
    ]
    const [back, dead] = (await this.run('recover', keys, args)) as [number, number]
    return back === -1 ? 'alive' : { back, dead }
  }

  /** Moves up to `max` records of the failed or dead list back to the input; how many moved. */
  async retry(k: QueueKeys, from: 'failed' | 'dead', max: number): Promise<number> {
    const keys = { source: k[from], input: k.input, stats: k.stats }
    return (await this.run('retry', keys, [from, max])) as number
  }

  /**
   * Removes the n oldest results under the drain lock, recording `batch` (an id) as the last removed; the length
   * left, or 'lost' when the lock is not ours.
   */
  async collect(k: QueueKeys, token: string, n: number, batch = ''): Promise<number | 'lost'> {
    const r = (await this.run(
      'collect',
      { output: k.output, stats: k.stats, collector: k.collector, drains: k.drains },
      [token, n, batch],
    )) as number
    return r === -1 ? 'lost' : r
  }

  private run<N extends ScriptName>(name: N, keys: KeysOf<N>, args: Arg[], buffers: true): Promise<Buffer[]>
  private run<N extends ScriptName>(name: N, keys: KeysOf<N>, args: Arg[]): Promise<unknown>
  private run<N extends ScriptName>(
    name: N,
    keys: KeysOf<N>,
    args: Arg[],
    buffers = false,
  ): Promise<unknown> {
    const ordered = SCRIPT_KEYS[name].map((role) => (keys as Record<string, string>)[role]!)
    const command = `gridcore_${name}${buffers ? 'Buffer' : ''}`
    return (this.redis as unknown as Record<string, (...a: Arg[]) => Promise<unknown>>)[command]!(
      ...ordered,
      ...args,
    )
  }
}

const defined = new WeakMap<Redis, QueueScripts>()

/** The scripts on this connection (defined once as commands: EVALSHA, with EVAL when Redis lacks them). */
export function queueScripts(redis: Redis): QueueScripts {
  let s = defined.get(redis)
  if (!s) {
    const src = scriptSources()
    for (const name of SCRIPT_NAMES)
      redis.defineCommand(`gridcore_${name}`, { numberOfKeys: SCRIPT_KEYS[name].length, lua: src[name] })
    s = new QueueScripts(redis)
    defined.set(redis, s)
  }
  return s
}
