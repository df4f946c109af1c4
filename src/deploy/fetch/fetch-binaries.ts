// gridcore fetch: installs the upstream computehub and gridnode for this OS/arch from a GitHub release
// (raw binaries, .tar.gz or .zip), checked by checksum or as executables for this machine; or builds them.
import { GridcoreError } from '../../lib/errors.js'
import { chooseAssets } from './assets.js'
import { buildFromSource } from './build.js'
import { publishedChecksums, verifyChecksum } from './checksums.js'
import { checkExecutable } from './executable.js'
import { binariesIn } from './extract.js'
import { download } from './http.js'
import { install } from './install.js'
import { BINARIES, type Binary, type BinaryFiles } from './names.js'
import { getRelease } from './release.js'

export const DEFAULT_API = 'https://api.github.com'
export const DEFAULT_REPO = 'Wolido/idm-gridcore'

export interface FetchOptions {
  version?: string
  apiBase?: string
  repo?: string
  buildFromSource?: boolean
  sourceUrl?: string
  platform?: NodeJS.Platform
  arch?: string
  onProgress?: (p: { asset: string; bytes: number; total: number | null }) => void
  onLine?: (line: string) => void
}

export interface FetchResult {
  version: string
  tag: string
  source: 'release' | 'source'
  verified: 'sha256' | 'executable' | 'built'
  assets: string[]
  installed: Record<Binary, string>
}

export async function fetchBinaries(o: FetchOptions = {}): Promise<FetchResult> {
  const api = (o.apiBase ?? process.env.GRIDCORE_GITHUB_API ?? DEFAULT_API).replace(/\/+$/, '')
  if (!/^https?:\/\/[^/]+/.test(api)) {
    throw new GridcoreError(
      'USAGE',
      `--api-base "${api}" is not an http(s) URL: expected e.g. https://api.github.com`,
    )
  }
  const repo = o.repo ?? DEFAULT_REPO
  const platform = o.platform ?? process.platform
  const arch = o.arch ?? process.arch
  const { tag, version, assets } = await getRelease(api, repo, o.version)
  const pick = chooseAssets(assets, platform, arch)
  if (!pick) {
    if (o.buildFromSource) {
      const url = o.sourceUrl ?? `https://github.com/${repo}.git`
      const files = buildFromSource({ url, tag, onLine: o.onLine })
      const installed = install(files, { version, tag, source: 'source' })
      return { version, tag, source: 'source', verified: 'built', assets: [], installed }
    }
    throw new GridcoreError(
      'CONFIG',
      `release ${tag} has no asset for ${platform}/${arch} (assets: ${assets.map((a) => a.name).join(', ') || 'none'}): pass --build-from-source, or use the embedded engine (gridcore up --engine embedded)`,
    )
  }
  const sums = await publishedChecksums(assets, pick)
  const files: Partial<BinaryFiles> = {}
  for (const a of pick) {
    const data = await download(a.browser_download_url, {
      onProgress: (bytes, total) => o.onProgress?.({ asset: a.name, bytes, total }),
    })
    const want = sums.get(a.name)
    if (want) verifyChecksum(a.name, data, want)
    Object.assign(files, binariesIn(a.name, data))
  }
  for (const b of BINARIES) {
    if (!files[b])
      throw new GridcoreError(
        'CONFIG',
        `release ${tag} for ${platform}/${arch} has no ${b} binary in ${pick.map((a) => a.name).join(', ')}: pass --build-from-source`,
      )
  }
  const verified = pick.every((a) => sums.has(a.name)) ? 'sha256' : 'executable'
  if (verified === 'executable') for (const b of BINARIES) checkExecutable(files[b]!, b, platform, arch)
  return {
    version,
    tag,
    source: 'release',
    verified,
    assets: pick.map((a) => a.name),
    installed: install(files as BinaryFiles, { version, tag, source: 'release' }),
  }
}
