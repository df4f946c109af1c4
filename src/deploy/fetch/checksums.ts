// SHA-256 checksums a release publishes (a SHA256SUMS-style list, or <asset>.sha256 beside an asset).
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { GridcoreError } from '../../lib/errors.js'
import { download } from './http.js'
import type { Asset } from './release.js'

/** Names of release-wide checksum lists. */
export const isChecksumList = (name: string) =>
  /^(sha256sums(\.txt)?|checksums(\.txt)?|sha256\.txt)$/i.test(name)

/**
 * Lines of `sha256sum` output (`<hex>  <name>` or `<hex> *<name>`) into a map from file name to hex digest;
 * a bare digest (a .sha256 beside its asset) is filed under `fallbackName`.
 */
export function parseChecksums(text: string, fallbackName?: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64})(?:\s+\*?(\S+))?/i.exec(line.trim())
    const name = m?.[2] ? basename(m[2]) : fallbackName
    if (m && name) out.set(name, m[1]!.toLowerCase())
  }
  return out
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** Throws when `data` does not have the published digest. */
export function verifyChecksum(name: string, data: Buffer, want: string): void {
  const got = sha256(data)
  if (got !== want)
    throw new GridcoreError(
      'CONFIG',
      `checksum mismatch for ${name} (expected ${want.slice(0, 12)}…, got ${got.slice(0, 12)}…): nothing was installed; try again, or report the release`,
    )
}

/** Every digest the release publishes for the picked assets. */
export async function publishedChecksums(assets: Asset[], pick: Asset[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const add = (m: Map<string, string>) => {
    for (const [k, v] of m) out.set(k, v)
  }
  for (const a of assets.filter((x) => isChecksumList(x.name)))
    add(parseChecksums((await download(a.browser_download_url)).toString('utf8')))
  for (const p of pick) {
    const side = assets.find((x) => x.name === `${p.name}.sha256`)
    if (side) add(parseChecksums((await download(side.browser_download_url)).toString('utf8'), p.name))
  }
  return out
}
