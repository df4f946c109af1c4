// What gridcore down may delete (pure): a part's files only once nothing runs in its place — its process stopped
// by gridcore or gone, its port free and no other process using its files. Redis's data dir (AOF, its config and
// password, the hub's task list and tokens, a listening cluster's CA and join token) goes only with --purge-data
// (or, for a cluster made for one run, when that cluster's up created it); kept, the next up on the same port
// brings it all back, and machines that joined the cluster find the same CA and token.
import type { LocalClusterState } from '../../cluster/local.js'
import type { PartName } from '../../cluster/local-processes.js'
import type { Holder } from './health.js'

/** How stopping a part went. not-started: an interrupted up recorded it but never started it. */
export type StopOutcome = 'stopped' | 'killed' | 'gone' | 'not-ours' | 'not-managed' | 'not-started'

/** all: --purge-data; created: only what this cluster's up created (rollback, run --local, demo); none: keep. */
export type Purge = 'all' | 'created' | 'none'

export interface RemovalInput {
  state: LocalClusterState
  outcomes: Record<PartName, StopOutcome | null>
  /** Who still runs in a part's place after stopping (its port, its files). */
  holders: Partial<Record<PartName, Holder>>
  purge: Purge
  /** Whether gridcore wrote this config file (its first line says so). */
  writtenByGridcore: (path: string) => boolean
  /** Whether a path lies inside gridcore's own directories: a record edited to name others deletes nothing. */
  insideOwnDirs: (path: string) => boolean
}

export interface Removal {
  remove: string[]
  /** Files kept because a process still holds their part. */
  keptFiles: string[]
  held: ({ part: PartName } & Holder)[]
  /** Redis's data dir when it stays on disk (kept by default, or held). */
  keptData: string | null
  /** The hub's task list when it stays on disk. */
  keptTaskList: string | null
  purgedData: boolean
  /** Everything stopped and cleaned: the record and the profile can go. */
  complete: boolean
}

export function planRemoval(i: RemovalInput): Removal {
  const { state: s, purge } = i
  const remove: string[] = []
  const keptFiles: string[] = []
  const held: Removal['held'] = []
  const free = (part: PartName) => !i.holders[part] && i.outcomes[part] !== 'not-managed'
  const config = (path: string | undefined) => (path && i.writtenByGridcore(path) ? [path] : [])
  const purges = (created: boolean | undefined) =>
    purge === 'all' || (purge === 'created' && created === true)

  for (const part of ['node', 'hub', 'redis'] as const) {
    const h = i.holders[part]
    if (h) held.push({ part, ...h })
  }

  // The node: its config (the token is in it). Its instance logs stay with the other logs.
  if (s.gridnode) (free('node') ? remove : keptFiles).push(...config(s.gridnode.config_path))

  // The hub: its config, and its task list when purging.
  const hubFiles = [...config(s.computehub.config_path)]
  const taskList = s.computehub.state_file
  if (taskList && purges(s.computehub.state_created)) hubFiles.push(taskList)
  ;(free('hub') ? remove : keptFiles).push(...hubFiles)
  const keptTaskList = taskList && !(free('hub') && hubFiles.includes(taskList)) ? taskList : null

  // TLS (up --listen): the server certificate and key go, up issues new ones; the CA (and the join token) are
  // data: they go with Redis's data dir, or when purging what this cluster's up made.
  const t = s.tls
  if (t) {
    const tlsFiles = [t.cert_file, t.key_file, ...(purges(t.ca_created) ? [t.ca_file, t.ca_key_file] : [])]
    ;(free('hub') && free('redis') ? remove : keptFiles).push(...tlsFiles)
  }

  // Redis (only one gridcore runs): its data dir, whole, when purging.
  let keptData: string | null = null
  let purgedData = false
  const r = s.redis
  if (r?.managed) {
    if (!free('redis')) {
      keptFiles.push(...[r.config_path, r.data_dir].filter((f): f is string => Boolean(f)))
      keptData = r.data_dir ?? null
    } else if (r.data_dir && purges(r.data_created)) {
      remove.push(r.data_dir)
      purgedData = true
    } else keptData = r.data_dir ?? null
  }
  const foreign = remove.filter((f) => !i.insideOwnDirs(f))
  return {
    remove: remove.filter((f) => i.insideOwnDirs(f)),
    keptFiles: [...keptFiles, ...foreign],
    held,
    keptData: keptData ?? (purgedData && r?.data_dir && foreign.includes(r.data_dir) ? r.data_dir : null),
    keptTaskList,
    purgedData: purgedData && !foreign.includes(r?.data_dir ?? ''),
    complete: held.length === 0,
  }
}
