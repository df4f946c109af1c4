// gridcore init: copies a consumer template (python, node, rust) plus the protocol's Lua scripts into a task dir.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GridcoreError } from '../lib/errors.js'
import { scriptSources } from '../queue/scripts.js'

export const TEMPLATES = ['python', 'node', 'rust'] as const
export type TemplateName = (typeof TEMPLATES)[number]

export const templatesRoot = () => fileURLToPath(new URL('../../templates/', import.meta.url))

export interface ScaffoldInput {
  template: TemplateName
  name: string
  dir: string
  force?: boolean
}

export interface ScaffoldResult {
  template: TemplateName
  name: string
  dir: string
  files: string[]
  edit: string
  run_locally: string
}

const EDIT: Record<TemplateName, string> = { python: 'task.py', node: 'task.mjs', rust: 'src/task.rs' }
const RUN: Record<TemplateName, string> = {
  python: 'python3 -u consumer.py',
  node: 'node consumer.mjs',
  rust: 'cargo run --release --offline',
}

export function scaffold(input: ScaffoldInput): ScaffoldResult {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(input.name)) {
    throw new GridcoreError(
      'USAGE',
      `task name "${input.name}" is not valid: use lowercase letters, digits, "-" or "_" (e.g. sqrt-task)`,
    )
  }
  const dir = resolve(input.dir)
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new GridcoreError('USAGE', `${dir} exists and is not a directory: choose another --dir`)
    if (readdirSync(dir).length && !input.force) {
      throw new GridcoreError(
        'USAGE',
        `${dir} is not empty: pass --force to overwrite the template's files, or choose another --dir`,
      )
    }
  }
  const source = join(templatesRoot(), input.template)
  mkdirSync(dir, { recursive: true })
  cpSync(source, dir, { recursive: true, force: true })
  // The scripts as the CLI runs them (includes joined), one file each: the consumers read lua/<name>.lua.
  rmSync(join(dir, 'lua'), { recursive: true, force: true })
  mkdirSync(join(dir, 'lua'))
  for (const [name, lua] of Object.entries(scriptSources()))
    writeFileSync(join(dir, 'lua', `${name}.lua`), lua)
  if (input.template === 'node')
    rename(join(dir, 'package.json'), '"name": "gridcore-task"', `"name": "${input.name}"`)
  if (input.template === 'rust')
    rename(join(dir, 'Cargo.toml'), 'name = "gridcore-task"', `name = "${input.name}"`)
  writeFileSync(join(dir, 'README.md'), readme(input.template, input.name))
  return {
    template: input.template,
    name: input.name,
    dir,
    files: list(dir).map((f) => relative(dir, f)),
    edit: join(dir, EDIT[input.template]),
    run_locally: RUN[input.template],
  }
}

function rename(path: string, from: string, to: string): void {
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to))
}

function list(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)],
  )
}

function readme(t: TemplateName, name: string): string {
  return `# ${name}

A gridcore consumer (${t} template). Edit \`handle()\` in \`${EDIT[t]}\` — nothing else needs to change.

- Run it on a local cluster as processes: \`gridcore run --consumer "${RUN[t]}" --input items.txt --output results.jsonl\`
  (from this directory), or register it yourself with \`gridcore task register --command "${RUN[t]}"\`.
- Build its image for Docker nodes: \`gridcore build --tag ${name}:latest\`, then \`gridcore run --image ${name}:latest …\`.
- \`lua/\` holds gridcore's queue protocol scripts; \`consumer.*\` speaks it (batched take under a lease, fenced
  commit, SIGTERM = finish the item, commit, hand the rest back). Env vars: INPUT_REDIS_URL, OUTPUT_REDIS_URL,
  INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID; tuning: GRIDCORE_BATCH, GRIDCORE_LEASE_MS,
  GRIDCORE_MAX_ATTEMPTS, GRIDCORE_IDLE_EXIT_S.
`
}
