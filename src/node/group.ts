// A node's worker group: set (--group, WORKER_GROUP, `group` in gridnode.toml) or detected from where it runs:
// `gpu` when nvidia-smi lists a GPU, `docker` in a container, `k8s` in Kubernetes, else the OS (`linux`, `darwin`,
// `windows`).
import { existsSync } from 'node:fs'
import { GROUP_NAME } from '../hub/scheduler.js'
import { configError } from '../lib/errors.js'

export interface NodeGroup {
  group: string
  /** True when set; false when detected (then the node also runs the `default` group's tasks). */
  explicit: boolean
}

/** Where a node runs, as far as the group goes (tests pass their own). */
export interface Surroundings {
  exists(path: string): boolean
  env: NodeJS.ProcessEnv
  platform: NodeJS.Platform
}

const here = (env: NodeJS.ProcessEnv): Surroundings => ({
  exists: existsSync,
  env,
  platform: process.platform,
})

/** The detected group; `gpus` is how many GPUs nvidia-smi listed. */
export function detectGroup(s: Surroundings, gpus = 0): string {
  if (gpus > 0) return 'gpu'
  if (s.exists('/.dockerenv')) return 'docker'
  if (s.exists('/var/run/secrets/kubernetes.io') || s.env.KUBERNETES_SERVICE_HOST) return 'k8s'
  if (s.platform === 'linux' || s.platform === 'darwin') return s.platform
  if (s.platform === 'win32') return 'windows'
  return 'default'
}

/** The flag, else WORKER_GROUP, else the file's `group`, else the detected group. */
export function resolveGroup(
  flag: string | undefined,
  file: string | undefined,
  env: NodeJS.ProcessEnv,
  s: Surroundings = here(env),
  gpus = 0,
): NodeGroup {
  const [set, where] =
    flag !== undefined
      ? [flag, '--group']
      : env.WORKER_GROUP
        ? [env.WORKER_GROUP, 'WORKER_GROUP']
        : [file, 'group in gridnode.toml']
  if (set === undefined) return { group: detectGroup(s, gpus), explicit: false }
  if (!GROUP_NAME.test(set))
    throw configError(
      `${where} "${set}" is not a group name: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit), e.g. gpu`,
    )
  return { group: set, explicit: true }
}
