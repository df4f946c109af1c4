// The GitHub releases API: the release for a version (or the latest) and its assets.
import { GridcoreError } from '../../lib/errors.js'
import { download } from './http.js'

export interface Asset {
  name: string
  browser_download_url: string
  size?: number
}

export interface Release {
  tag: string
  version: string
  assets: Asset[]
}

/** The API URL of a release: `v`-prefixed tag for a version, else the latest release. */
export function releaseUrl(api: string, repo: string, version?: string): string {
  if (!version) return `${api}/repos/${repo}/releases/latest`
  return `${api}/repos/${repo}/releases/tags/${version.startsWith('v') ? version : `v${version}`}`
}

/** Reads the release JSON the API answered; a body that is not one is a clear error. */
export function parseRelease(body: string, url: string): Release {
  let json: { tag_name?: unknown; assets?: unknown }
  try {
    json = JSON.parse(body)
  } catch {
    json = {}
  }
  if (typeof json.tag_name !== 'string') {
    throw new GridcoreError(
      'CONFIG',
      `${url} did not answer a release (no tag_name): check --api-base and --repo`,
    )
  }
  const assets = Array.isArray(json.assets)
    ? (json.assets as Asset[]).filter(
        (a) => a && typeof a.name === 'string' && typeof a.browser_download_url === 'string',
      )
    : []
  return { tag: json.tag_name, version: json.tag_name.replace(/^v/, ''), assets }
}

export async function getRelease(api: string, repo: string, version?: string): Promise<Release> {
  const url = releaseUrl(api, repo, version)
  return parseRelease((await download(url, { api: true })).toString('utf8'), url)
}
