// Finds computehub and gridnode in a downloaded asset: a raw binary, or entries of a .tar.gz or .zip.
import { basename } from 'node:path'
import { type ArchiveEntry, readTar, readZip } from '../../lib/archive.js'
import { GridcoreError } from '../../lib/errors.js'
import { isArchive, isZip } from './assets.js'
import { BINARIES, type BinaryFiles } from './names.js'

/** An archive entry is a binary when its file name is the binary's, with an optional `-suffix` or `.exe`. */
const entryIs = (entry: string, binary: string) => {
  const n = basename(entry)
  return n === binary || n.startsWith(`${binary}-`) || n === `${binary}.exe`
}

/** The binaries one asset holds (a raw asset holds the one its name starts with). */
export function binariesIn(assetName: string, data: Buffer): Partial<BinaryFiles> {
  const found: Partial<BinaryFiles> = {}
  if (!isArchive(assetName)) {
    for (const b of BINARIES) if (assetName.toLowerCase().startsWith(b)) found[b] = data
    return found
  }
  let entries: ArchiveEntry[]
  try {
    entries = isZip(assetName) ? readZip(data) : readTar(data)
  } catch (err) {
    throw new GridcoreError(
      'CONFIG',
      `${assetName} is not a readable archive (${(err as Error).message}): try again`,
    )
  }
  for (const b of BINARIES) {
    const e = entries.find((x) => entryIs(x.name, b))
    if (e) found[b] = e.data
  }
  return found
}
