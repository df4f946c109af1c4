// Installs the two binaries (atomically, mode 755) into gridcore's bin dir, with a versions.json beside them.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../../lib/fs.js'
import { paths } from '../../lib/paths.js'
import { BINARIES, type Binary, type BinaryFiles } from './names.js'

export interface InstallMeta {
  version: string
  tag: string
  source: 'release' | 'source'
}

/** The installed paths by binary. */
export function install(files: BinaryFiles, meta: InstallMeta): Record<Binary, string> {
  const dir = paths().binDir
  mkdirSync(dir, { recursive: true })
  const installed = {} as Record<Binary, string>
  for (const b of BINARIES) {
    const dest = join(dir, b)
    writeFileAtomic(dest, files[b], { mode: 0o755 })
    installed[b] = dest
  }
  writeFileAtomic(
    join(dir, 'versions.json'),
    `${JSON.stringify({ ...meta, installed_at: new Date().toISOString() }, null, 2)}\n`,
  )
  return installed
}
