// Picks the cluster a command talks to: --cluster / GRIDCORE_CLUSTER, the local cluster, or the only profile.
import { configError, GridcoreError } from '../lib/errors.js'
import { paths as defaultPaths, type Paths } from '../lib/paths.js'
import { readLocalCluster } from './local.js'
import { type ClusterProfile, loadProfile, profileNames, readProfiles } from './profiles.js'

export const LOCAL = 'local'

export function resolveCluster(name: string | undefined, p: Paths = defaultPaths()): ClusterProfile {
  if (name) return byName(name, p)
  if (readLocalCluster(p)) return byName(LOCAL, p)
  const names = profileNames(p)
  if (names.length === 1) return byName(names[0]!, p)
  if (names.length === 0) {
    throw configError(
      'no cluster configured: run gridcore connect --name NAME --hub URL --token TOKEN, or gridcore up for a local one',
    )
  }
  throw configError(
    `several clusters are configured (${names.join(', ')}): pass --cluster NAME or set GRIDCORE_CLUSTER`,
  )
}

function byName(name: string, p: Paths): ClusterProfile {
  const profile = loadProfile(name, p)
  if (profile) return profile
  if (name === LOCAL) {
    const local = readLocalCluster(p)
    if (local) {
      const token = local.token ?? readProfiles(p).creds[LOCAL]?.token
      if (typeof token !== 'string' || !token) {
        throw configError(
          `the local cluster's token is missing from ${p.credentialsToml}: run gridcore down and gridcore up again`,
        )
      }
      return { name, hubUrl: local.computehub.url, token, redisUrl: local.redis?.url }
    }
  }
  const names = profileNames(p)
  const known = names.length ? `known clusters: ${names.join(', ')}` : 'no cluster is configured yet'
  throw new GridcoreError(
    'CONFIG',
    `unknown cluster "${name}" (${known}): pass one of those, or add it with gridcore connect --name ${name}`,
  )
}
