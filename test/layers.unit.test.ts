// Layers point one way: a file under src/ imports only from its own folder or from a folder in a LOWER layer.
// The order is written down here and in README.md ("Architecture"); a new folder must be placed in it.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/** Top to bottom. Folders on one line are siblings: they never import each other. */
const LAYERS = [
  ['commands'], // oclif commands: parse flags, call one module, return a typed result
  ['cli'], // base commands, shared flags, progress, spinner, formatting: the terminal side
  ['run'], // gridcore run / demo: register, push, watch, collect as one step
  ['deploy'], // local cluster up/down: starts and stops Redis, the hub and the node (and what a crashed node left)
  ['node', 'skill', 'templates'], // the embedded node, the skill, scaffolds
  ['cluster', 'autofinish', 'observe'], // profiles, targets, status; the hub's drain watcher and queue reader
  ['queue'], // the reliable queue protocol over Redis: keys, Lua, push, consume, watch, results
  ['client', 'redis', 'docker'], // the hub's HTTP client, Redis connections and RESP, the Docker engine
  ['hub'], // the embedded ComputeHub: protocol types, routes, state
  ['net'], // TLS for multi-host clusters: the cluster CA, certificates, fingerprints, join strings, pinning
  ['lib'], // no gridcore imports: errors, files, paths, durations, CSV, archives, redaction
]

const SRC = fileURLToPath(new URL('../src/', import.meta.url))
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Relative specifiers a TypeScript file imports (static, type-only, re-exports and dynamic). */
function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!).filter((s) => s.startsWith('.'))
}

/** "file -> target (layer a above layer b)" for each import that does not point down. */
function violations(files: Record<string, string>): string[] {
  const rank = (folder: string) => LAYERS.findIndex((l) => l.includes(folder))
  const out: string[] = []
  for (const [file, text] of Object.entries(files)) {
    const from = file.split('/')[0]!
    for (const spec of importsOf(text)) {
      const target = relative(SRC, resolve(SRC, dirname(file), spec))
      if (target.startsWith('..')) continue
      const to = target.split('/')[0]!
      if (to === from) continue
      if (rank(to) <= rank(from)) out.push(`${file} -> ${target}: ${from}/ must not import ${to}/`)
    }
  }
  return out
}

function sources(dir = SRC): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) Object.assign(out, sources(p))
    else if (/\.[cm]?ts$/.test(e.name)) out[relative(SRC, p)] = readFileSync(p, 'utf8')
  }
  return out
}

describe('layers', () => {
  it('places every folder under src/ in the order, and no file directly in src/', () => {
    const entries = readdirSync(SRC, { withFileTypes: true })
    expect(entries.filter((e) => !e.isDirectory()).map((e) => e.name)).toEqual([])
    expect(entries.map((e) => e.name).sort()).toEqual(LAYERS.flat().sort())
  })

  it('has no import from a lower layer to a higher one, nor between siblings', () => {
    expect(violations(sources())).toEqual([])
  })

  it('sees every kind of import (so the check above can fail)', () => {
    const files = {
      'lib/a.ts': "import { x } from '../cluster/b.js'\nimport type { Y } from '../hub/c.js'",
      'hub/d.ts': "export { z } from '../cluster/e.js'\nconst m = await import('../client/f.js')",
      'redis/g.ts':
        "import '../docker/h.js'\nimport { ok } from '../lib/i.js'\nimport { Redis } from 'ioredis'",
      'commands/j.ts': "import { k } from '../lib/l.js'\nimport { m } from './n.js'",
    }
    expect(violations(files)).toEqual([
      'lib/a.ts -> cluster/b.js: lib/ must not import cluster/',
      'lib/a.ts -> hub/c.js: lib/ must not import hub/',
      'hub/d.ts -> cluster/e.js: hub/ must not import cluster/',
      'hub/d.ts -> client/f.js: hub/ must not import client/',
      'redis/g.ts -> docker/h.js: redis/ must not import docker/',
    ])
  })
})
