// The line-filter worker (the real CLI) when redis-server is killed mid-run and restarted from its AOF: it
// reconnects by itself, hands back what it held, and every item ends with exactly one result.
import { describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { snapshot } from '../../src/queue/ops.js'
import { runCli } from '../helpers/cli.js'
import { sleep, startCli } from '../helpers/procs.js'
import { queueNames } from '../helpers/queues.js'
import { startTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

describe('the worker and a Redis restart', () => {
  it('reconnects, hands back what it held and finishes: one result per item', async () => {
    const dir = tempDir()
    const redis = await startTestRedis({ appendonly: true, dir })
    const q = queueNames('wr')
    const push = await runCli(['push', '--redis', redis.url, '--queue', q.input, '--range', '1..30000'])
    expect(push.code, push.stderr).toBe(0)
    // A filter slow enough that the run is still under way when Redis dies.
    const w = startCli(['worker', '--filter', 'awk -W interactive \'{ print "r" $0 }\''], {
      INPUT_REDIS_URL: redis.url,
      INPUT_QUEUE: q.input,
      OUTPUT_QUEUE: q.output,
      NODE_ID: 'wr',
      INSTANCE_ID: '0',
    })
    const probe = redis.client()
    const deadline = Date.now() + 30_000
    while (Number((await probe.hget(`${q.input}:stats`, 'done')) ?? 0) === 0 && Date.now() < deadline)
      await sleep(20)
    probe.disconnect()
    redis.proc.kill('SIGKILL')
    await sleep(700)
    const again = await startTestRedis({ appendonly: true, dir, port: redis.port, password: redis.password })
    const r = again.client()
    const until = Date.now() + 60_000
    for (;;) {
      const s = await snapshot(r, queueKeys(q.input, q.output))
      if (s.input === 0 && s.processing === 0 && s.stats.done! >= s.stats.pushed!) break
      if (Date.now() > until) throw new Error(`the worker did not finish: ${JSON.stringify(s)}\n${w.err()}`)
      if (w.child.exitCode !== null) throw new Error(`the worker exited: ${w.err()}`)
      await sleep(100)
    }
    w.child.kill('SIGTERM')
    expect((await w.exited).code, w.err()).toBe(0)
    expect(w.err()).toContain('reconnected')
    const pushed = Number(await r.hget(`${q.input}:stats`, 'pushed'))
    const results = await r.lrange(q.output, 0, -1)
    expect(new Set(results).size).toBe(results.length)
    expect(new Set(results)).toEqual(new Set(Array.from({ length: pushed }, (_, i) => `r${i + 1}`)))
    await again.stop()
  }, 120_000)
})
