// The instance log file: capped, truncation marked, newest output kept.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CappedLog } from '../../src/node/log-file.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()

describe('CappedLog', () => {
  it('never grows past its cap and marks the truncation, keeping the newest output', () => {
    const p = join(dir, 'x.log')
    const log = new CappedLog(p, 10_000)
    for (let i = 0; i < 500; i++) log.write(`line ${i} ${'x'.repeat(50)}\n`)
    log.close()
    const text = readFileSync(p, 'utf8')
    expect(text.length).toBeLessThanOrEqual(10_000)
    expect(text).toMatch(/^\[gridcore: earlier output truncated/)
    expect(text).toContain('line 499 ')
    expect(text).not.toContain('line 0 ')
  })
})
