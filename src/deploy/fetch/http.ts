// HTTP GET into memory for the releases API and its assets: redirects, timeouts, progress, and one clear error
// for a 404, a rate limit, no connection or a download cut short.
import { basename } from 'node:path'
import type { Dispatcher } from 'undici'
import { GridcoreError } from '../../lib/errors.js'

export interface DownloadOptions {
  /** A releases API call: GitHub's JSON media type, and GITHUB_TOKEN when set. */
  api?: boolean
  onProgress?: (bytes: number, total: number | null) => void
}

type Headers = Record<string, string | string[] | undefined>

/** The error an answer's status means (undefined for a success): a 404, GitHub's rate limit, any other 4xx/5xx. */
export function statusError(
  status: number,
  headers: Headers,
  url: string,
  api = false,
): GridcoreError | undefined {
  if (status === 404)
    return new GridcoreError(
      'CONFIG',
      api
        ? `no such release at ${url} (404): check --version (e.g. 0.3.0)`
        : `${url} is gone (404): try again later, or pass --build-from-source`,
    )
  if (status === 429 || (status === 403 && headers['x-ratelimit-remaining'] === '0')) {
    const reset = Number(headers['x-ratelimit-reset'])
    const when = reset ? ` (resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC)` : ''
    return new GridcoreError(
      'CONFIG',
      `the GitHub API rate limit is reached${when}: try later, set GITHUB_TOKEN, or use the embedded engine (gridcore up --engine embedded)`,
    )
  }
  if (status >= 400) return new GridcoreError('CONFIG', `${url} answered ${status}: try again later`)
  return undefined
}

/** GETs a URL (following redirects) into memory. */
export async function download(url: string, o: DownloadOptions = {}): Promise<Buffer> {
  const target = new URL(url)
  const { Agent, interceptors } = await import('undici') // loaded when a download starts, not with the CLI
  const dispatcher = new Agent({ connectTimeout: 10_000 }).compose(
    interceptors.redirect({ maxRedirections: 5 }),
  )
  const headers: Record<string, string> = { 'user-agent': 'gridcore' }
  if (o.api) headers.accept = 'application/vnd.github+json'
  if (o.api && process.env.GITHUB_TOKEN) headers.authorization = `Bearer ${process.env.GITHUB_TOKEN}`
  let res: Dispatcher.ResponseData
  try {
    res = await dispatcher.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: 'GET',
      headers,
      headersTimeout: 30_000,
      bodyTimeout: 60_000,
    })
  } catch (err) {
    await dispatcher.close().catch(() => {})
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new GridcoreError(
      'CONFIG',
      `cannot reach ${target.origin} (${code}): offline? The embedded engine needs no download: gridcore up --engine embedded`,
    )
  }
  try {
    const failed = statusError(res.statusCode, res.headers, url, o.api)
    if (failed) throw failed
    const total = res.headers['content-length'] ? Number(res.headers['content-length']) : null
    const cutShort = (bytes: number, why = '') =>
      new GridcoreError(
        'CONFIG',
        `the download of ${basename(target.pathname)} was cut short after ${bytes}${total ? ` of ${total}` : ''} bytes${why}: try again`,
      )
    const chunks: Buffer[] = []
    let bytes = 0
    try {
      for await (const c of res.body) {
        chunks.push(c as Buffer)
        bytes += (c as Buffer).length
        o.onProgress?.(bytes, total)
      }
    } catch (err) {
      throw cutShort(bytes, ` (${(err as Error).message})`)
    }
    if (total !== null && bytes < total) throw cutShort(bytes)
    return Buffer.concat(chunks)
  } finally {
    res.body.resume?.()
    await dispatcher.close().catch(() => {})
  }
}
