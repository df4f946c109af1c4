// Adaptive parallelism: the start count, the controller's decisions over load windows, /proc/stat's busy
// fraction, and the sampling loop driven by a synthetic load source.
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/lib/logger.js'
import {
  autoParallelism,
  type LoadSource,
  ParallelismController,
  ProcStatLoad,
  runAdaptive,
} from '../../src/node/adaptive.js'
import { waitFor } from '../helpers/node.js'

const GB = 1024 ** 3

describe('autoParallelism', () => {
  it('is min(CPUs, free memory / container_memory), at least 1', () => {
    expect(autoParallelism(8, 16 * GB, 1024)).toBe(8)
    expect(autoParallelism(8, 3.5 * GB, 1024)).toBe(3)
    expect(autoParallelism(8, 0.2 * GB, 1024)).toBe(1)
    expect(autoParallelism(2, 64 * GB, 64)).toBe(2)
  })
})

describe('ParallelismController', () => {
  const feed = (c: ParallelismController, loads: number[]) => loads.map((l) => c.observe(l)?.to ?? null)

  it('lowers by one after 3 samples in a row over 85 %, never below 1', () => {
    const c = new ParallelismController(3)
    expect(feed(c, [0.9, 0.95, 0.9])).toEqual([null, null, 2])
    // A change starts a new window: three more samples before the next one.
    expect(feed(c, [0.99, 0.99, 0.99])).toEqual([null, null, 1])
    expect(feed(c, [1, 1, 1, 1])).toEqual([null, null, null, null])
    expect(c.current).toBe(1)
  })

  it('a sample at or under 85 % breaks the run; raising needs 3 under 50 %, never above the start count', () => {
    const c = new ParallelismController(2)
    expect(feed(c, [0.9, 0.85, 0.9, 0.9])).toEqual([null, null, null, null])
    expect(feed(c, [0.9])).toEqual([1])
    expect(feed(c, [0.2, 0.6, 0.3, 0.4])).toEqual([null, null, null, null])
    expect(feed(c, [0.1])).toEqual([2])
    expect(feed(c, [0, 0, 0, 0])).toEqual([null, null, null, null])
    expect(c.current).toBe(2)
  })

  it('reports the samples that decided', () => {
    const c = new ParallelismController(4)
    c.observe(0.5)
    c.observe(0.9)
    c.observe(0.91)
    expect(c.observe(0.92)).toEqual({ from: 4, to: 3, samples: [0.9, 0.91, 0.92] })
  })
})

describe('ProcStatLoad', () => {
  it('is the busy share of the cpu line between two samples (idle and iowait are not busy)', () => {
    const lines = [
      'cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n',
      'cpu  190 0 100 710 100 0 0 0 0 0\ncpu0 1 2 3\n',
      'cpu  190 0 100 800 110 0 0 0 0 0\n',
    ]
    const src = new ProcStatLoad(() => lines.shift()!)
    expect(src.sample()).toBeCloseTo(0.9)
    expect(src.sample()).toBeCloseTo(0)
  })

  it('reads the real /proc/stat as a fraction from 0 to 1', () => {
    const s = new ProcStatLoad().sample()
    expect(s).toBeGreaterThanOrEqual(0)
    expect(s).toBeLessThanOrEqual(1)
  })
})

describe('runAdaptive', () => {
  it('applies each change and logs it in one line with the load figures', async () => {
    const loads = [0.9, 0.95, 0.97, 0.2, 0.3, 0.1]
    const source: LoadSource = { name: 'synthetic', sample: () => loads.shift() ?? 0.6 }
    const lines: { msg: string; [k: string]: unknown }[] = []
    const logger = createLogger({
      format: 'json',
      component: 'node',
      write: (l) => lines.push(JSON.parse(l)),
    })
    const applied: number[] = []
    const stop = new AbortController()
    const done = runAdaptive({
      max: 2,
      source,
      intervalMs: 10,
      signal: stop.signal,
      logger,
      apply: async (n) => {
        applied.push(n)
      },
    })
    await waitFor('two changes', () => applied.length === 2, 5_000)
    stop.abort()
    await done
    expect(applied).toEqual([1, 2])
    expect(lines.map((l) => l.msg)).toEqual([
      'parallelism 2 -> 1: CPU load 90%, 95%, 97% (over 85% for 3 samples 0.01 s apart, synthetic)',
      'parallelism 1 -> 2: CPU load 20%, 30%, 10% (under 50% for 3 samples 0.01 s apart, synthetic)',
    ])
    expect(lines[0]).toMatchObject({ parallelism: 1, previous: 2, load: [0.9, 0.95, 0.97], max: 2 })
  })
})
