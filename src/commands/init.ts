// gridcore init: scaffold a consumer task directory from a template (python, node or rust).
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { type ScaffoldResult, scaffold, TEMPLATES } from '../templates/scaffold.js'

export default class Init extends GridcoreCommand<typeof Init> {
  static override summary = 'Create a consumer task directory from a template; you edit only handle().'
  static override examples = [
    '<%= config.bin %> init --template python --name sqrt',
    '<%= config.bin %> init --template rust --dir ./consumer --force',
  ]
  static override flags = {
    template: Flags.option({ options: TEMPLATES, required: true, description: 'consumer language' })(),
    name: Flags.string({ description: 'task name (lowercase, digits, - or _)', default: 'my-task' }),
    dir: Flags.string({ description: 'where to create it (default: ./<name>)' }),
    force: Flags.boolean({
      description: 'write into a non-empty directory, overwriting the template’s files',
      default: false,
    }),
  }

  async run(): Promise<ScaffoldResult> {
    const { flags } = this
    const r = scaffold({
      template: flags.template,
      name: flags.name,
      dir: flags.dir ?? flags.name,
      force: flags.force,
    })
    this.say(`Created ${r.dir} (${r.template} template, ${r.files.length} files).`)
    this.say(`Edit handle() in ${r.edit}; run it with: ${r.run_locally}`)
    return r
  }
}
