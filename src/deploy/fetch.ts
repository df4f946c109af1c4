// gridcore fetch: installs the upstream computehub and gridnode for this OS/arch from a GitHub release
// (raw binaries, .tar.gz or .zip), checked by checksum or as executables for this machine; or builds them.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { paths } from '../cluster/paths.js'
import { readTar, readZip } from '../lib/archive.js'
import { GridcoreError } from '../lib/errors.js'
import { writeFileAtomic } from '../lib/fs.js'

export const DEFAULT_API = 'https://api.github.com'
export const DEFAULT_REPO = 'Wolido/idm-gridcore'
const BINARIES = ['computehub', 'gridnode'] as const

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
  installed: Record<(typeof BINARIES)[number], string>
}

interface Asset {
  name: string
  browser_download_url: string
  size?: number
}

const OS_KEYS: Record<string, string[]> = { linux: ['linux'], darwin: ['macos', 'darwin', 'apple', 'osx'] }
const ARCH_KEYS: Record<string, string[]> = { x64: ['x64', 'x86_64', 'amd64'], arm64: ['arm64', 'aarch64'] }
const isChecksumFile = (n: string) => /sha256|checksum|\.sha\d*$|\.asc$|\.sig$/i.test(n)
const isArchive = (n: string) => /\.(tar\.gz|tgz|zip)$/i.test(n)

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
  const releaseUrl = o.version
    ? `${api}/repos/${repo}/releases/tags/${o.version.startsWith('v') ? o.version : `v${o.version}`}`
    : `${api}/repos/${repo}/releases/latest`
  const release = JSON.parse((await download(releaseUrl, { api: true })).toString('utf8')) as {
    tag_name: string
    assets: Asset[]
  }
  const tag = release.tag_name
  const version = tag.replace(/^v/, '')
  const pick = chooseAssets(release.assets ?? [], platform, arch)
  if (!pick) {
    if (o.buildFromSource) return buildFromSource(o, tag)
    throw new GridcoreError(
      'CONFIG',
      `release ${tag} has no asset for ${platform}/${arch} (assets: ${(release.assets ?? []).map((a) => a.name).join(', ') || 'none'}): pass --build-from-source, or use the embedded engine (gridcore up --engine embedded)`,
    )
  }
  const sums = await checksums(release.assets, pick)
  const files: Partial<Record<(typeof BINARIES)[number], Buffer>> = {}
  for (const a of pick) {
    const data = await download(a.browser_download_url, {
      onProgress: (bytes, total) => o.onProgress?.({ asset: a.name, bytes, total }),
    })
    const want = sums.get(a.name)
    if (want) {
      const got = createHash('sha256').update(data).digest('hex')
      if (got !== want)
        throw new GridcoreError(
          'CONFIG',
          `checksum mismatch for ${a.name} (expected ${want.slice(0, 12)}…, got ${got.slice(0, 12)}…): nothing was installed; try again, or report the release`,
        )
    }
    if (isArchive(a.name)) {
      let entries: ReturnType<typeof readTar>
      try {
        entries = /\.zip$/i.test(a.name) ? readZip(data) : readTar(data)
      } catch (err) {
        throw new GridcoreError(
          'CONFIG',
          `${a.name} is not a readable archive (${(err as Error).message}): try again`,
        )
      }
      for (const b of BINARIES) {
        const e = entries.find(
          (x) =>
            basename(x.name) === b || basename(x.name).startsWith(`${b}-`) || basename(x.name) === `${b}.exe`,
        )
        if (e) files[b] = e.data
      }
    } else {
      for (const b of BINARIES) if (a.name.toLowerCase().startsWith(b)) files[b] = data
    }
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
    installed: install(files as Record<string, Buffer>, { version, tag, source: 'release' }),
  }
}

/** Both raw binaries, or one archive, whose names name this OS and arch. */
export function chooseAssets(assets: Asset[], platform: string, arch: string): Asset[] | undefined {
  const osKeys = OS_KEYS[platform] ?? [platform]
  const archKeys = ARCH_KEYS[arch] ?? [arch]
  const fits = assets.filter((a) => {
    const n = a.name.toLowerCase()
    return (
      !isChecksumFile(n) &&
      osKeys.some((k) => n.includes(k)) &&
      archKeys.some((k) => new RegExp(`(^|[^a-z0-9])${k}([^a-z0-9]|$)`).test(n))
    )
  })
  const raw = BINARIES.map((b) => fits.find((a) => a.name.toLowerCase().startsWith(b) && !isArchive(a.name)))
  if (raw.every(Boolean)) return raw as Asset[]
  const archive = fits.find((a) => isArchive(a.name))
  return archive ? [archive] : undefined
}

async function checksums(assets: Asset[], pick: Asset[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const parse = (text: string, fallbackName?: string) => {
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]{64})(?:\s+\*?(\S+))?/i.exec(line.trim())
      if (m) out.set(basename(m[2] ?? fallbackName ?? ''), m[1]!.toLowerCase())
    }
  }
  for (const a of assets.filter((x) => /^(sha256sums(\.txt)?|checksums(\.txt)?|sha256\.txt)$/i.test(x.name)))
    parse((await download(a.browser_download_url)).toString('utf8'))
  for (const p of pick) {
    const side = assets.find((x) => x.name === `${p.name}.sha256`)
    if (side) parse((await download(side.browser_download_url)).toString('utf8'), p.name)
  }
  return out
}

/** ELF (Linux) or Mach-O (macOS) for this CPU, or a clear error. */
export function checkExecutable(data: Buffer, name: string, platform: string, arch: string): void {
  const bad = (why: string) =>
    new GridcoreError(
      'CONFIG',
      `the downloaded ${name} is not an executable for ${platform}/${arch} (${why}): nothing was installed; pass --build-from-source`,
    )
  if (platform === 'linux') {
    if (data.length < 20 || data.readUInt32BE(0) !== 0x7f454c46) throw bad('not an ELF file')
    const machine = data.readUInt16LE(18)
    const want = arch === 'x64' ? 62 : arch === 'arm64' ? 183 : undefined
    if (want !== undefined && machine !== want) throw bad(`ELF machine ${machine}`)
    return
  }
  if (platform === 'darwin') {
    const magic = data.length >= 8 ? data.readUInt32BE(0) : 0
    if (![0xcffaedfe, 0xcafebabe, 0xfeedfacf].includes(magic)) throw bad('not a Mach-O file')
    return
  }
  throw bad('unsupported platform')
}

function install(
  files: Record<string, Buffer>,
  meta: { version: string; tag: string; source: string },
): Record<(typeof BINARIES)[number], string> {
  const dir = paths().binDir
  mkdirSync(dir, { recursive: true })
  const installed = {} as Record<(typeof BINARIES)[number], string>
  for (const b of BINARIES) {
    const dest = join(dir, b)
    writeFileAtomic(dest, files[b]!, { mode: 0o755 })
    installed[b] = dest
  }
  writeFileAtomic(
    join(dir, 'versions.json'),
    `${JSON.stringify({ ...meta, installed_at: new Date().toISOString() }, null, 2)}\n`,
  )
  return installed
}

function buildFromSource(o: FetchOptions, tag: string): FetchResult {
  const url = o.sourceUrl ?? `https://github.com/${o.repo ?? DEFAULT_REPO}.git`
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
    run('git', ['clone', '--depth', '1', '--branch', tag, url, join(work, 'src')])
    run('cargo', ['build', '--release'], join(work, 'src'))
    const files: Record<string, Buffer> = {}
    for (const b of BINARIES) {
      const built = join(work, 'src', 'target', 'release', b)
      if (!existsSync(built)) throw new GridcoreError('CONFIG', `the build produced no ${b} binary`)
      files[b] = readFileSync(built)
    }
    const version = tag.replace(/^v/, '')
    return {
      version,
      tag,
      source: 'source',
      verified: 'built',
      assets: [],
      installed: install(files, { version, tag, source: 'source' }),
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** GETs a URL (following redirects) into memory with clear errors for 404, rate limits, offline and cut-short downloads. */
async function download(
  url: string,
  o: { api?: boolean; onProgress?: (bytes: number, total: number | null) => void } = {},
): Promise<Buffer> {
  const { Agent, interceptors } = await import('undici')
  const dispatcher = new Agent({ connectTimeout: 10_000 }).compose(
    interceptors.redirect({ maxRedirections: 5 }),
  )
  const headers: Record<string, string> = { 'user-agent': 'gridcore' }
  if (o.api) headers.accept = 'application/vnd.github+json'
  if (o.api && process.env.GITHUB_TOKEN) headers.authorization = `Bearer ${process.env.GITHUB_TOKEN}`
  let res: import('undici').Dispatcher.ResponseData
  try {
    res = await dispatcher.request({
      origin: new URL(url).origin,
      path: new URL(url).pathname + new URL(url).search,
      method: 'GET',
      headers,
      headersTimeout: 30_000,
      bodyTimeout: 60_000,
    })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new GridcoreError(
      'CONFIG',
      `cannot reach ${new URL(url).origin} (${code}): offline? The embedded engine needs no download: gridcore up --engine embedded`,
    )
  }
  try {
    if (res.statusCode === 404) {
      throw new GridcoreError(
        'CONFIG',
        o.api
          ? `no such release at ${url} (404): check --version (e.g. 0.3.0)`
          : `${url} is gone (404): try again later, or pass --build-from-source`,
      )
    }
    if (
      (res.statusCode === 403 || res.statusCode === 429) &&
      (res.headers['x-ratelimit-remaining'] === '0' || res.statusCode === 429)
    ) {
      const reset = Number(res.headers['x-ratelimit-reset'])
      const when = reset ? ` (resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC)` : ''
      throw new GridcoreError(
        'CONFIG',
        `the GitHub API rate limit is reached${when}: try later, set GITHUB_TOKEN, or use the embedded engine (gridcore up --engine embedded)`,
      )
    }
    if (res.statusCode >= 400)
      throw new GridcoreError('CONFIG', `${url} answered ${res.statusCode}: try again later`)
    const total = res.headers['content-length'] ? Number(res.headers['content-length']) : null
    const chunks: Buffer[] = []
    let bytes = 0
    try {
      for await (const c of res.body) {
        chunks.push(c as Buffer)
        bytes += (c as Buffer).length
        o.onProgress?.(bytes, total)
      }
    } catch (err) {
      throw new GridcoreError(
        'CONFIG',
        `the download of ${basename(new URL(url).pathname)} was cut short after ${bytes}${total ? ` of ${total}` : ''} bytes (${(err as Error).message}): try again`,
      )
    }
    if (total !== null && bytes < total) {
      throw new GridcoreError(
        'CONFIG',
        `the download of ${basename(new URL(url).pathname)} was cut short after ${bytes} of ${total} bytes: try again`,
      )
    }
    return Buffer.concat(chunks)
  } finally {
    res.body.resume?.()
    await dispatcher.close().catch(() => {})
  }
}
