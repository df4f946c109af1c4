// Where gridcore and IDM-GridCore keep their files; GRIDCORE_HOME stands in for the home directory.
import { homedir } from 'node:os'
import { join } from 'node:path'

export interface Paths {
  /** ~/.config/agents/skills/idm-gridcore: skill.toml, credentials.toml, state/ */
  skillDir: string
  skillToml: string
  credentialsToml: string
  stateDir: string
  localClusterJson: string
  /** Upstream config dir (computehub.toml, gridnode.toml): ~/.config/idm-gridcore on Linux. */
  upstreamConfigDir: string
  /** ~/.local/share/idm-gridcore */
  dataDir: string
  binDir: string
}

export function paths(env: NodeJS.ProcessEnv = process.env): Paths {
  const override = env.GRIDCORE_HOME
  const home = override || homedir()
  const configHome = override ? join(home, '.config') : env.XDG_CONFIG_HOME || join(home, '.config')
  const dataHome = override
    ? join(home, '.local', 'share')
    : env.XDG_DATA_HOME || join(home, '.local', 'share')
  const skillDir = join(configHome, 'agents', 'skills', 'idm-gridcore')
  const stateDir = join(skillDir, 'state')
  const upstreamConfigDir =
    process.platform === 'darwin' && !override
      ? join(home, 'Library', 'Application Support', 'idm-gridcore')
      : join(configHome, 'idm-gridcore')
  const dataDir = join(dataHome, 'idm-gridcore')
  return {
    skillDir,
    skillToml: join(skillDir, 'skill.toml'),
    credentialsToml: join(skillDir, 'credentials.toml'),
    stateDir,
    localClusterJson: join(stateDir, 'local_cluster.json'),
    upstreamConfigDir,
    dataDir,
    binDir: join(dataDir, 'bin'),
  }
}
