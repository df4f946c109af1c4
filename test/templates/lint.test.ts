// The templates are linted as shipped: cargo fmt for Rust, flake8 (Debian's package, installed by
// test/setup/prepare.mjs) for Python, biome for Node. A missing tool fails these tests, never skips them.
import { spawnSync } from 'node:child_process'
import { appendFileSync, cpSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/tmp.js'

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url))
const BIOME = fileURLToPath(new URL('../../node_modules/.bin/biome', import.meta.url))
const dir = tempDir()

/** Runs a linter in a directory; a tool that cannot start is a failure that names it. */
function lint(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' })
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}): run node test/setup/prepare.mjs`)
  return { code: r.status, output: `${r.stdout}${r.stderr}` }
}

/** A copy of one template, to show the linter catches a defect there. */
function copy(template: string): string {
  const d = join(dir, `${template}-${Math.random().toString(36).slice(2)}`)
  cpSync(join(TEMPLATES, template), d, { recursive: true })
  return d
}

describe('the templates pass their linters', () => {
  it('rust: cargo fmt --check is clean, and notices a badly formatted file', () => {
    const clean = lint('cargo', ['fmt', '--check'], join(TEMPLATES, 'rust'))
    expect(clean.code, clean.output).toBe(0)
    const d = copy('rust')
    appendFileSync(join(d, 'src', 'task.rs'), '\nfn  badly ( ) {  }\n')
    const bad = lint('cargo', ['fmt', '--check'], d)
    expect(bad.code).not.toBe(0)
    expect(bad.output).toContain('fn badly()')
  })

  it('python: flake8 is clean, and notices an unused import', () => {
    const version = lint('flake8', ['--version'], TEMPLATES)
    expect(version.code, version.output).toBe(0)
    const r = lint('flake8', ['.'], join(TEMPLATES, 'python'))
    expect(r.code, r.output).toBe(0)
    const d = copy('python')
    appendFileSync(join(d, 'task.py'), '\nimport os\n')
    const bad = lint('flake8', ['.'], d)
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/task\.py:\d+:1: F401 'os' imported but unused/)
  })

  it('node: biome finds nothing in the template', () => {
    const r = lint(BIOME, ['check', 'templates/node'], fileURLToPath(new URL('../../', import.meta.url)))
    expect(r.code, r.output).toBe(0)
  })
})
