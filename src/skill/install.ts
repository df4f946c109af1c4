// gridcore skill install: copies the bundled skill (SKILL.md + references/) to where agents look for it.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { paths } from '../lib/paths.js'

/** The skill's name (SKILL.md frontmatter); the Agent Skills layout names its directory so. */
export const SKILL_NAME = 'idm-gridcore'

export const skillSource = () => fileURLToPath(new URL('../../skill/', import.meta.url))

export interface SkillInstallResult {
  target: string
  dir: string
  files: string[]
  changed: number
}

/** agents, claude, or a skills directory DIR (the skill goes to DIR/idm-gridcore unless DIR is named so). */
export function skillTargetDir(target: string, env = process.env): string {
  if (target === 'agents') return paths(env).skillDir
  if (target === 'claude') return join(env.GRIDCORE_HOME || homedir(), '.claude', 'skills', SKILL_NAME)
  const dir = resolve(target)
  return basename(dir) === SKILL_NAME ? dir : join(dir, SKILL_NAME)
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
