#!/usr/bin/env node
// gridcore reliable consumer (Node.js, no dependencies). Edit handle() in task.mjs, not this file.
// Speaks gridcore's reliable queue protocol (lua/): batched take under a lease, lease renewal, fenced
// commit of results and failures, and on SIGTERM: finish the item in hand, commit, hand the rest back,
// exit 0. Configured by the env vars GridNode sets (INPUT_REDIS_URL, OUTPUT_REDIS_URL, INPUT_QUEUE,
// OUTPUT_QUEUE, NODE_ID, INSTANCE_ID). Tuning: GRIDCORE_BATCH (most items per take, 1000; the batch adapts so
// one takes about half a second of work), GRIDCORE_LEASE_MS (30000),
// GRIDCORE_MAX_ATTEMPTS (3), GRIDCORE_IDLE_EXIT_S (unset: run until stopped).
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { RespClient } from './resp.mjs'
import { handle } from './task.mjs'

const env = process.env
const failFast = (error) => {
  process.stderr.write(`${JSON.stringify({ error })}\n`)
  process.exit(1)
}
const INPUT_URL = env.INPUT_REDIS_URL || failFast('INPUT_REDIS_URL not set')
const OUTPUT_URL = env.OUTPUT_REDIS_URL || INPUT_URL
const IN = env.INPUT_QUEUE || failFast('INPUT_QUEUE not set')
const OUT = env.OUTPUT_QUEUE || `${IN}:output`
const CONSUMER = `${env.NODE_ID || 'local'}:${env.INSTANCE_ID || '0'}`
const BATCH = Number(env.GRIDCORE_BATCH || 1000)
const BATCH_MS = 500
const LEASE_MS = Number(env.GRIDCORE_LEASE_MS || 30000)
const MAX_ATTEMPTS = Number(env.GRIDCORE_MAX_ATTEMPTS || 3)
const IDLE_EXIT_MS = env.GRIDCORE_IDLE_EXIT_S ? Number(env.GRIDCORE_IDLE_EXIT_S) * 1000 : undefined

// Key names of the protocol (the same as gridcore's src/queue/keys.ts).
const K = {
  processing: `${IN}:processing:${CONSUMER}`,
  lease: `${IN}:lease:${CONSUMER}`,
  consumers: `${IN}:consumers`,
  suspects: `${IN}:suspects`,
  attempts: `${IN}:attempts`,
  dead: `${IN}:dead`,
  failed: `${IN}:failed`,
  stats: `${IN}:stats`,
  ledger: `${IN}:ledger`,
}
const lua = Object.fromEntries(
  ['take', 'renew', 'commit', 'recover'].map((n) => [
    n,
    readFileSync(new URL(`./lua/${n}.lua`, import.meta.url), 'utf8'),
  ]),
)

let input
let output
try {
  input = await RespClient.connect(INPUT_URL)
  output = OUTPUT_URL === INPUT_URL ? input : await RespClient.connect(OUTPUT_URL)
} catch (err) {
  failFast(`Redis connection failed: ${err.code ?? err.message.split(' ')[0]}`)
}
const remote = output !== input
// Loaded up front, so pipelined calls never fall back to EVAL out of order.
for (const script of Object.values(lua)) await input.load(script)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    stopping = true
  })

const take = (token) =>
  input.script(
    lua.take,
    [IN, K.suspects, K.processing, K.lease, K.consumers, K.attempts, K.dead, K.stats],
    [batch, LEASE_MS, token, CONSUMER, MAX_ATTEMPTS, Date.now()],
  )
const commit = (token, failed, payloads) =>
  input.script(
    lua.commit,
    [K.processing, K.lease, OUT, K.stats, K.failed, K.attempts, K.ledger],
    [token, CONSUMER, Date.now(), remote ? 0 : 1, failed.join(','), ...payloads],
  )

// Start small (slow items should spread over the instances), grow while items are quick.
let batch = Math.min(BATCH, 10)
let idleSince = Date.now()
let pause = 10
let token = randomBytes(12).toString('hex')
let next = take(token)
while (true) {
  const items = await next
  if (!items.length) {
    if (stopping || (IDLE_EXIT_MS !== undefined && Date.now() - idleSince >= IDLE_EXIT_MS)) break
    await sleep(pause)
    pause = Math.min(pause * 2, 500)
    token = randomBytes(12).toString('hex')
    next = take(token)
    continue
  }
  idleSince = Date.now()
  pause = 10
  const payloads = []
  const failed = []
  const began = Date.now()
  let renewed = began
  let lost = false
  for (const item of items) {
    if (stopping) break
    try {
      const r = handle(item)
      payloads.push(String(r && typeof r.then === 'function' ? await r : r))
    } catch (err) {
      payloads.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err))
      failed.push(payloads.length)
    }
    if (Date.now() - renewed > LEASE_MS / 3) {
      renewed = Date.now()
      if (!(await input.script(lua.renew, [K.lease], [token, LEASE_MS]))) {
        lost = true
        break
      }
    }
  }
  const perItem = (Date.now() - began) / Math.max(1, payloads.length)
  batch = Math.max(1, Math.min(BATCH, Math.floor(BATCH_MS / Math.max(perItem, 0.01)), batch * 4))
  const committing = token
  token = randomBytes(12).toString('hex')
  let settled
  if (payloads.length && !lost) {
    if (remote) {
      const results = payloads.filter((_, i) => !failed.includes(i + 1))
      if (!(await input.script(lua.renew, [K.lease], [committing, LEASE_MS]))) lost = true
      else if (results.length) await output.call('LPUSH', OUT, ...results)
    }
    if (!lost) settled = commit(committing, failed, payloads)
  }
  const finished = payloads.length === items.length && !lost && !stopping
  // Pipelined: the next take goes out right behind the commit (Redis runs them in this order).
  if (finished) next = take(token)
  if (settled && (await settled) === -1) lost = true
  if (lost)
    process.stderr.write(
      `${JSON.stringify({ warning: 'lease lost: commit refused', items: payloads.length })}\n`,
    )
  if (!finished) {
    await input.script(
      lua.recover,
      [K.processing, K.lease, IN, K.suspects, K.dead, K.attempts, K.stats, K.consumers],
      [CONSUMER, MAX_ATTEMPTS, 1, Date.now(), 0],
    )
    if (stopping) break
    next = take(token)
  }
}
input.close()
if (remote) output.close()
