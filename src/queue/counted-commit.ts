// The line-filter worker's common commit (every item answered, results on the same server) with no Lua per result:
// the lease is read under WATCH, then one MULTI LPUSHes the results natively, runs commit.lua counted ('0n':
// settle, count, credit; it takes the results back off the output when it refuses) and, optionally, the next take.
// EVAL, not EVALSHA, inside the MULTI: a script cache flushed meanwhile cannot fail the commit after its push.
import { GridcoreError } from '../lib/errors.js'
import type { Reply } from '../redis/reply-parser.js'
import { encodeCommand, type RespPipe } from '../redis/resp.js'
import { commandHead, type RespBulks } from '../redis/resp-bulks.js'
import { scriptSources } from './scripts.js'

export interface CountedCommit {
  lease: string
  output: string
  /** commit.lua's KEYS, in SCRIPT_KEYS order. */
  commitKeys: string[]
  consumer: string
  /** The batch's lease token. */
  token: string
  results: RespBulks
  /** A take to run in the same MULTI once the commit is in (its reply is the take's, errors included). */
  take?: Buffer
}

/**
 * commit.lua's reply and the take's, or undefined when the lease is not the batch's or changed before EXEC (lost,
 * or renewed): nothing ran, and the caller commits the usual way, which tells the two apart. Throws when the
 * LPUSH or the commit failed.
 */
export async function countedCommit(
  pipe: RespPipe,
  c: CountedCommit,
): Promise<{ commit: Reply; take: Reply | undefined } | undefined> {
  const [, held] = await pipe.send([encodeCommand(['WATCH', c.lease]), encodeCommand(['GET', c.lease])], 2)
  if (!(held instanceof Buffer) || held.toString() !== c.token) {
    await pipe.send(UNWATCH, 1)
    return undefined
  }
  const commit = encodeCommand([
    'EVAL',
    scriptSources().commit,
    String(c.commitKeys.length),
    ...c.commitKeys,
    c.token,
    c.consumer,
    String(Date.now()),
    '0n',
    '',
    String(c.results.count),
  ])
  const parts = [MULTI, commandHead(['LPUSH', c.output], c.results.count), c.results.bytes(), commit]
  if (c.take) parts.push(c.take)
  parts.push(EXEC)
  const replies = await pipe.send(parts, c.take ? 5 : 4)
  const exec = replies[replies.length - 1]
  if (exec === null) return undefined
  // Queueing errors, an aborted EXEC, or the LPUSH or the commit failing (the take's own error is the take's).
  const settled = Array.isArray(exec) ? exec.slice(0, 2) : [exec]
  const failure = [...replies.slice(0, -1), ...settled].find((r) => r instanceof Error)
  if (failure) throw new GridcoreError('REDIS_ERROR', `commit failed: ${(failure as Error).message}`)
  const [, result, take] = exec as Reply[]
  return { commit: result!, take }
}

const MULTI = encodeCommand(['MULTI'])
const EXEC = encodeCommand(['EXEC'])
const UNWATCH = encodeCommand(['UNWATCH'])
