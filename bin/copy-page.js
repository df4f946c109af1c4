#!/usr/bin/env node
// Build step: copies the hub's status page (src/hub/page: plain HTML, CSS and JS, no build of their own) beside the
// compiled hub (dist/hub/page), where the hub serves them from.
import { cpSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const src = fileURLToPath(new URL('../src/hub/page/', import.meta.url))
const out = fileURLToPath(new URL('../dist/hub/page/', import.meta.url))
rmSync(out, { recursive: true, force: true })
cpSync(src, out, { recursive: true })
