// Reads files out of .tar.gz and .zip archives in memory (release assets are a few MB): no tools needed.
import { gunzipSync, inflateRawSync } from 'node:zlib'

export interface ArchiveEntry {
  name: string
  data: Buffer
  mode: number
}

/** The `path` record of a pax extended header ("<len> path=<name>\n" records), if it has one. */
function paxPath(data: Buffer): string | undefined {
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    const len = Number.parseInt(data.toString('utf8', pos, space), 10)
    if (space === -1 || !(len > 0)) return undefined
    const record = data.toString('utf8', space + 1, pos + len - 1)
    if (record.startsWith('path=')) return record.slice(5)
    pos += len
  }
  return undefined
}

/** Regular files of a (gzipped) ustar/GNU/pax tar archive. */
export function readTar(buf: Buffer, gzipped = true): ArchiveEntry[] {
  const tar = gzipped ? gunzipSync(buf) : buf
  const out: ArchiveEntry[] = []
  let pos = 0
  let longName: string | undefined
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512)
    if (header.every((b) => b === 0)) break
    const field = (o: number, n: number) => header.toString('utf8', o, o + n).replace(/\0.*$/s, '')
    const size = Number.parseInt(field(124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156]!)
    const prefix = field(345, 155)
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    const data = tar.subarray(pos + 512, pos + 512 + size)
    if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '')
    else if (type === 'x') longName = paxPath(data)
    else if (type === '0' || type === '\0') {
      name = name.replace(/^\.\//, '')
      out.push({ name, data: Buffer.from(data), mode: Number.parseInt(field(100, 8).trim() || '644', 8) })
    }
    pos += 512 + Math.ceil(size / 512) * 512
  }
  return out
}

/** Files of a zip archive (stored or deflated), from its central directory. */
export function readZip(buf: Buffer): ArchiveEntry[] {
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd === -1) throw new Error('not a zip archive (no end of central directory)')
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const out: ArchiveEntry[] = []
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory')
    const method = buf.readUInt16LE(p + 10)
    const compressed = buf.readUInt32LE(p + 20)
    const nameLen = buf.readUInt16LE(p + 28)
    const extraLen = buf.readUInt16LE(p + 30)
    const commentLen = buf.readUInt16LE(p + 32)
    const external = buf.readUInt32LE(p + 38)
    const local = buf.readUInt32LE(p + 42)
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen)
    p += 46 + nameLen + extraLen + commentLen
    if (name.endsWith('/')) continue
    const lNameLen = buf.readUInt16LE(local + 26)
    const lExtraLen = buf.readUInt16LE(local + 28)
    const start = local + 30 + lNameLen + lExtraLen
    const raw = buf.subarray(start, start + compressed)
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined
    if (!data)
      throw new Error(`zip entry ${name} uses compression method ${method}, which gridcore cannot read`)
    out.push({ name, data, mode: (external >>> 16) & 0o777 || 0o644 })
  }
  return out
}
