// --build-from-source: git clone the release's tag and cargo build --release, for when no asset fits.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GridcoreError } from '../../lib/errors.js'
import { BINARIES, type BinaryFiles } from './names.js'

export interface BuildOptions {
  /** git URL of the upstream sources. */
  url: string
  tag: string
  /** Each command, as it starts. */
  onLine?: (line: string) => void
}

/** The two binaries built from the tag's sources (the work tree is removed afterwards). */
export function buildFromSource(o: BuildOptions): BinaryFiles {
  const work = mkdtempSync(join(tmpdir(), 'gridcore-build-'))
  const run = (cmd: string, args: string[], cwd?: string) => {
    o.onLine?.(`${cmd} ${args.join(' ')}`)
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    if (r.error)
      throw new GridcoreError(
        'CONFIG',
        `${cmd} is not available (${(r.error as NodeJS.ErrnoException).code}): install it, or use the embedded engine`,
      )
    if (r.status !== 0)
      throw new GridcoreError(
        'CONFIG',
        `${cmd} ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`,
      )
  }
  try {
    const src = join(work, 'src')
    run('git', ['clone', '--depth', '1', '--branch', o.tag, o.url, src])
    run('cargo', ['build', '--release'], src)
    const files = {} as BinaryFiles
    for (const b of BINARIES) {
      const built = join(src, 'target', 'release', b)
      if (!existsSync(built)) throw new GridcoreError('CONFIG', `the build produced no ${b} binary`)
      files[b] = readFileSync(built)
    }
    return files
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
