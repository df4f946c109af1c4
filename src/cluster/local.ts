// Reads state/local_cluster.json, the record of a cluster this machine runs (IDM-GridCore skill layout).
import { readFileSync } from 'node:fs'
import { configError } from '../lib/errors.js'
import { paths as defaultPaths, type Paths } from './paths.js'

export interface LocalClusterState {
  mode: string
  /** The upstream skill stores the token here; gridcore stores a reference to credentials.toml instead. */
  token?: string
  token_ref?: string
  computehub: { url: string; pid?: number; config_path?: string; binary_path?: string; log_path?: string }
  gridnode?: { pid?: number; config_path?: string; binary_path?: string; log_path?: string }
  redis?: { url?: string; pid?: number; managed?: boolean; data_dir?: string; config_path?: string }
  managed_by_skill?: boolean
  created_at?: string
  [key: string]: unknown
}

export function readLocalCluster(p: Paths = defaultPaths()): LocalClusterState | undefined {
  let text: string
  try {
    text = readFileSync(p.localClusterJson, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw configError(
      `cannot read ${p.localClusterJson} (${(err as NodeJS.ErrnoException).code}): check its permissions`,
    )
  }
  let data: LocalClusterState
  try {
    data = JSON.parse(text)
  } catch {
    throw configError(
      `${p.localClusterJson} is not valid JSON: run gridcore down, or delete the file if no local cluster runs`,
    )
  }
  if (typeof data?.computehub?.url !== 'string') {
    throw configError(
      `${p.localClusterJson} has no computehub.url: run gridcore down, or delete the file if no local cluster runs`,
    )
  }
  return data
}
