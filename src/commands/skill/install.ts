// gridcore skill install: put the bundled agent skill where agents look for it.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../../cli/base-command.js'
import { installSkill, type SkillInstallResult } from '../../skill/install.js'

export default class SkillInstall extends GridcoreCommand<typeof SkillInstall> {
  static override summary = 'Install the idm-gridcore agent skill (SKILL.md + references) for agents to find.'
  static override description =
    `--target agents (default): ~/.config/agents/skills/idm-gridcore, the IDM-GridCore layout, next to
skill.toml and state/. --target claude: ~/.claude/skills/idm-gridcore. Any other value is a skills directory DIR:
the skill goes to DIR/idm-gridcore (the Agent Skills layout names the directory after the skill; a DIR already named
idm-gridcore is used as it is). Running it again updates the files in place.`
  static override flags = {
    target: Flags.string({
      description: 'agents | claude | a skills directory (the skill goes into DIR/idm-gridcore)',
      default: 'agents',
    }),
  }

  async run(): Promise<SkillInstallResult> {
    const { flags } = this
    const r = installSkill(flags.target)
    this.say(`Installed the idm-gridcore skill in ${r.dir} (${r.files.length} files, ${r.changed} changed).`)
    return r
  }
}
