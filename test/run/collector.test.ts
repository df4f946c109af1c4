// The run's collector against a real redis-server: it drains while the run goes, on a raw connection it keeps
// between drains and closes when stopped (a stopped collector holds nothing that keeps a process alive).
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { Collector } from '../../src/run/collector.js'
import { useTestRedis } from '../helpers/redis.js'

const t = useTestRedis()
const clients = async () =>
  String(await t.r.client('LIST'))
    .trim()
    .split('\n').length

describe('Collector', () => {
  it('drains into its file while results arrive, and its raw connection is gone once stopped', async () => {
    const keys = queueKeys('col:in', 'col:out')
    const out = join(mkdtempSync(join(tmpdir(), 'gridcore-col-')), 'r.txt')
    const before = await clients()
    const c = new Collector(t.r, keys, out, 'raw', true)
    c.start(20)
    await t.r.lpush(keys.output, 'a', 'b')
    await t.r.hincrby(keys.stats, 'pushed', 3)
    for (let i = 0; i < 100 && c.written < 2; i++) await new Promise((r) => setTimeout(r, 20))
    expect(await clients()).toBe(before + 1)
    await t.r.lpush(keys.output, 'c')
    await c.stop()
    expect(await clients()).toBe(before)
    await c.once()
    expect(readFileSync(out, 'utf8')).toBe('a\nb\nc\n')
    expect(await clients()).toBe(before)
  })
})
