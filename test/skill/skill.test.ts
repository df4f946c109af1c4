// The skill: frontmatter rules, and every shell example in SKILL.md and its references run against real clusters,
// so the skill cannot drift from the CLI. Plus gridcore skill install.
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { BIN, runCli } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { freePort } from '../helpers/ports.js'
import { start } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const SKILL = fileURLToPath(new URL('../../skill/', import.meta.url))
const docs = ['SKILL.md', ...readdirSync(join(SKILL, 'references')).map((f) => `references/${f}`)]
const dir = tempDir()
let hub: TestHub
let redis: TestRedis

beforeAll(async () => {
  hub = await startTestHub({ dir })
  redis = await startTestRedis()
  // `gridcore` on PATH, as an installed package puts it there.
  mkdirSync(join(dir, 'shim'))
  writeFileSync(join(dir, 'shim', 'gridcore'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`)
  chmodSync(join(dir, 'shim', 'gridcore'), 0o755)
})
afterAll(async () => {
  await hub.stop()
  await redis.stop()
})

/** The ```sh blocks of a markdown file, in order. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
}

describe('SKILL.md', () => {
  const text = readFileSync(join(SKILL, 'SKILL.md'), 'utf8')
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text)
  it('has Agent Skills frontmatter: the name, and a description of at most 1,024 characters', () => {
    expect(front).toBeTruthy()
    const fields = Object.fromEntries(
      front![1]!.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
    )
    expect(fields.name).toBe('idm-gridcore')
    expect(fields.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(fields.description!.length).toBeGreaterThan(100)
    expect(fields.description!.length).toBeLessThanOrEqual(1024)
    expect(fields.description).toMatch(/Use it when/)
  })
  it('keeps its body under 500 lines and links every reference', () => {
    expect(text.split('\n').length).toBeLessThan(500)
    for (const d of docs.slice(1)) expect(text).toContain(`(${d})`)
  })
})

describe('every shell example runs', () => {
  it.each(docs)(
    '%s',
    async (doc) => {
      const blocks = shellBlocks(readFileSync(join(SKILL, doc), 'utf8'))
      expect(blocks.length).toBeGreaterThan(0)
      const work = join(dir, doc.replace(/\W/g, '_'))
      mkdirSync(work, { recursive: true })
      const env: Record<string, string> = {
        PATH: `${join(dir, 'shim')}:/usr/local/bin:/usr/bin:/bin`,
        HOME: work,
        GRIDCORE_HOME: join(work, 'home'),
        GRIDCORE_HUB_PORT: String(await freePort()),
        GRIDCORE_REDIS_PORT: String(await freePort()),
        HUB_URL: hub.url,
        TOKEN: hub.token,
        REDIS_URL: redis.url,
      }
      const script = `set -euo pipefail\ncd ${JSON.stringify(work)}\n${blocks.join('\n')}`
      // Asynchronously: the "existing cluster" the examples connect to is served from this process.
      const p = start('bash', ['-c', script], { ...env, PWD: work })
      const { code } = await p.exited
      spawnSync(process.execPath, [BIN, 'down'], { env })
      expect(code, `${doc} examples failed:\n${p.err().slice(-3000)}`).toBe(0)
      if (doc === 'SKILL.md') {
        expect(readFileSync(join(work, 'results.txt'), 'utf8').trim().split('\n')).toHaveLength(50_000)
        expect(readFileSync(join(work, 'sqrt.txt'), 'utf8').trim().split('\n')).toHaveLength(50_000)
      }
    },
    300_000,
  )
})

describe('gridcore skill install', () => {
  it('installs to the agents dir beside skill.toml, idempotently; also for claude or any directory', async () => {
    const home = join(dir, 'install-home')
    const p = paths({ GRIDCORE_HOME: home })
    mkdirSync(p.skillDir, { recursive: true })
    writeFileSync(p.skillToml, '[cluster.keep]\ncomputehub_url = "http://x:1"\n')
    const a = await runCli(['skill', 'install', '--json'], { env: { GRIDCORE_HOME: home } })
    expect(a.code).toBe(0)
    expect(a.json).toMatchObject({ target: 'agents', dir: p.skillDir, changed: a.json.files.length })
    expect(a.json.files).toEqual(
      expect.arrayContaining(['SKILL.md', 'references/deploy.md', 'references/rules.md']),
    )
    expect(readFileSync(join(p.skillDir, 'SKILL.md'), 'utf8')).toBe(
      readFileSync(join(SKILL, 'SKILL.md'), 'utf8'),
    )
    expect(readFileSync(p.skillToml, 'utf8')).toContain('[cluster.keep]')
    const again = await runCli(['skill', 'install', '--json'], { env: { GRIDCORE_HOME: home } })
    expect(again.json.changed).toBe(0)
    const claude = await runCli(['skill', 'install', '--target', 'claude', '--json'], {
      env: { GRIDCORE_HOME: home },
    })
    expect(claude.json.dir).toBe(join(home, '.claude', 'skills', 'idm-gridcore'))
    // Any other target is a skills directory: the skill gets its own directory, named after it.
    const custom = await runCli(['skill', 'install', '--target', join(dir, 'custom'), '--json'], {
      env: { GRIDCORE_HOME: home },
    })
    expect(custom.code).toBe(0)
    expect(custom.json.dir).toBe(join(dir, 'custom', 'idm-gridcore'))
    expect(existsSync(join(dir, 'custom', 'idm-gridcore', 'SKILL.md'))).toBe(true)
    expect(existsSync(join(dir, 'custom', 'idm-gridcore', 'references', 'tasks.md'))).toBe(true)
    expect(existsSync(join(dir, 'custom', 'SKILL.md'))).toBe(false)
    // A directory already named after the skill is used as it is, not nested.
    const named = await runCli(
      ['skill', 'install', '--target', join(dir, 'custom', 'idm-gridcore'), '--json'],
      {
        env: { GRIDCORE_HOME: home },
      },
    )
    expect(named.json).toMatchObject({ dir: join(dir, 'custom', 'idm-gridcore'), changed: 0 })
  })
})
