// Builds .tar(.gz) and .zip archives in memory, byte by byte per the formats, for the archive and fetch unit tests.
import { crc32, deflateRawSync, gzipSync } from 'node:zlib'

export interface TarEntry {
  name: string
  data?: Buffer | string
  /** '0' file (default), '5' directory, '2' symlink. */
  type?: string
  mode?: number
  /** The ustar prefix field (a leading directory path). */
  prefix?: string
  linkname?: string
  /** How a name over 100 bytes is written: a GNU ././@LongLink entry, or a pax extended header. */
  longName?: 'gnu' | 'pax'
}

const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, '0')}\0`

function header(name: string, size: number, type: string, mode: number, prefix = '', linkname = ''): Buffer {
  const h = Buffer.alloc(512)
  h.write(name.slice(0, 100), 0, 'utf8')
  h.write(octal(mode, 8), 100)
  h.write(octal(0, 8), 108)
  h.write(octal(0, 8), 116)
  h.write(octal(size, 12), 124)
  h.write(octal(0, 12), 136)
  h.fill(' ', 148, 156)
  h.write(type, 156)
  h.write(linkname, 157)
  h.write('ustar\0', 257)
  h.write('00', 263)
  h.write(prefix, 345)
  let sum = 0
  for (const b of h) sum += b
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return h
}

const padded = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)])

/** A ustar archive (gzipped unless gzip: false) ending with the two zero blocks. */
export function makeTar(entries: TarEntry[], { gzip = true } = {}): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '')
    if (e.longName === 'gnu') {
      const long = Buffer.from(`${e.name}\0`)
      parts.push(header('././@LongLink', long.length, 'L', 0o644), padded(long))
    } else if (e.longName === 'pax') {
      const body = ` path=${e.name}\n`
      let len = body.length + 1
      while (`${len}${body}`.length !== len) len = `${len}${body}`.length
      const record = Buffer.from(`${len}${body}`)
      parts.push(header(`PaxHeaders/${e.name.slice(-80)}`, record.length, 'x', 0o644), padded(record))
    }
    parts.push(
      header(e.name, data.length, e.type ?? '0', e.mode ?? 0o644, e.prefix, e.linkname),
      padded(data),
    )
  }
  const tar = Buffer.concat([...parts, Buffer.alloc(1024)])
  return gzip ? gzipSync(tar) : tar
}

export interface ZipEntry {
  name: string
  data?: Buffer | string
  /** 0 stored, 8 deflated (default); anything else is written as is, to test refusal. */
  method?: number
  mode?: number
}

/** A zip archive: local headers and data, the central directory, the end record (with an optional comment). */
export function makeZip(entries: ZipEntry[], comment = ''): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const raw = Buffer.from(e.data ?? '')
    const method = e.method ?? 8
    const body = method === 8 ? deflateRawSync(raw) : raw
    const name = Buffer.from(e.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc32(raw), 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(raw.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by Unix: external attributes hold the mode
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc32(raw), 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(raw.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((e.mode ?? (e.name.endsWith('/') ? 0o40755 : 0o100644)) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += local.length + name.length + body.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  end.writeUInt16LE(Buffer.byteLength(comment), 20)
  return Buffer.concat([...locals, cd, end, Buffer.from(comment)])
}
