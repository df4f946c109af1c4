#!/usr/bin/env node
// Build step: writes each queue script with its includes joined (src/queue/lua -> dist/queue/lua), so the
// compiled CLI and the consumer templates get complete scripts; the includes themselves are not shipped.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { joinIncludes } from '../dist/queue/lua-include.js'

const src = fileURLToPath(new URL('../src/queue/lua/', import.meta.url))
const out = fileURLToPath(new URL('../dist/queue/lua/', import.meta.url))
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const read = (path) => readFileSync(path, 'utf8')
for (const name of readdirSync(src).filter((f) => f.endsWith('.lua'))) {
  writeFileSync(`${out}${name}`, joinIncludes(`${src}${name}`, read))
}
