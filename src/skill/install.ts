// gridcore skill install: copies the bundled skill (SKILL.md + references/) to where agents look for it.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { paths } from '../cluster/paths.js'

export const skillSource = () => fileURLToPath(new URL('../../skill/', import.meta.url))

export interface SkillInstallResult {
  target: string
  dir: string
  files: string[]
  changed: number
}

export function skillTargetDir(target: string, env = process.env): string {
  if (target === 'agents') return paths(env).skillDir
  if (target === 'claude') return join(env.GRIDCORE_HOME || homedir(), '.claude', 'skills', 'idm-gridcore')
  return resolve(target)
}

export function installSkill(target: string): SkillInstallResult {
  const src = skillSource()
  const dir = skillTargetDir(target)
  mkdirSync(dir, { recursive: true })
  const files = list(src).map((f) => relative(src, f))
  let changed = 0
  for (const f of files) {
    const to = join(dir, f)
    if (!existsSync(to) || !readFileSync(to).equals(readFileSync(join(src, f)))) changed++
  }
  // Only the skill's own files are written; skill.toml, credentials.toml and state/ beside them stay.
  for (const entry of readdirSync(src))
    cpSync(join(src, entry), join(dir, entry), { recursive: true, force: true })
  return { target, dir, files, changed }
}

function list(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)],
  )
}
