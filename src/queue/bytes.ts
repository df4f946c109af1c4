// Items are bytes. Where they must become text (JSON output), bytes that are not valid UTF-8 are kept as lone
// surrogates U+DC80..U+DCFF, one per byte (Python's "surrogateescape"), so nothing is lost or made up.
const strict = new TextDecoder('utf-8', { fatal: true })

/** The byte length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none. */
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i]!
  if (c < 0x80) return 1
  const cont = (j: number) => i + j < b.length && (b[i + j]! & 0xc0) === 0x80
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0
    if (c === 0xe0 && c1 < 0xa0) return 0 // overlong
    if (c === 0xed && c1 > 0x9f) return 0 // a UTF-16 surrogate
    return cont(1) && cont(2) ? 3 : 0
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0
    if (c === 0xf0 && c1 < 0x90) return 0 // overlong
    if (c === 0xf4 && c1 > 0x8f) return 0 // above U+10FFFF
    return cont(1) && cont(2) && cont(3) ? 4 : 0
  }
  return 0
}

/** The index of the first byte that is not part of valid UTF-8, or the length when all of it is. */
export function invalidAt(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const n = sequenceAt(b, i)
    if (!n) return i
    i += n
  }
  return b.length
}

/** Bytes as text: valid UTF-8 decoded, every other byte as the lone surrogate U+DC00 + byte. */
export function bytesToText(b: Uint8Array): string {
  try {
    return strict.decode(b)
  } catch {}
  let out = ''
  let run = 0
  let i = 0
  const flush = (end: number) => {
    if (end > run) out += Buffer.from(b.buffer, b.byteOffset + run, end - run).toString('utf8')
  }
  while (i < b.length) {
    const n = sequenceAt(b, i)
    if (n) {
      i += n
      continue
    }
    flush(i)
    out += String.fromCharCode(0xdc00 + b[i]!)
    i++
    run = i
  }
  flush(i)
  return out
}

/** The inverse of bytesToText: each lone surrogate U+DC80..U+DCFF becomes the byte it stands for. */
export function textToBytes(s: string): Buffer {
  if (!/[\udc80-\udcff]/.test(s)) return Buffer.from(s, 'utf8')
  const parts: Buffer[] = []
  let run = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const paired = i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff
    if (c < 0xdc80 || c > 0xdcff || paired) continue
    parts.push(Buffer.from(s.slice(run, i), 'utf8'), Buffer.of(c - 0xdc00))
    run = i + 1
  }
  parts.push(Buffer.from(s.slice(run), 'utf8'))
  return Buffer.concat(parts)
}
