// `gridcore --version` prints the line oclif would (its config's user agent), without oclif's start-up.
import { fileURLToPath } from 'node:url'
import { Config } from '@oclif/core'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

describe('gridcore --version', () => {
  it('prints the same line as oclif, exit 0', async () => {
    const r = await runCli(['--version', '--json'])
    expect(r.code).toBe(0)
    const config = await Config.load(fileURLToPath(new URL('../..', import.meta.url)))
    expect(r.stdout).toBe(`${config.userAgent}\n`)
    expect(r.stdout).toMatch(/^gridcore\/\d+\.\d+\.\d+ \w+-\w+ node-v\d+/)
  })
})
