// gridcore build: build a task directory's image through the Docker engine.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { interactive, progressLine } from '../cli/progress.js'
import { type BuildResult, buildImage } from '../docker/build.js'

export default class Build extends GridcoreCommand<typeof Build> {
  static override summary = 'Build a task directory’s image (tar of the directory, .dockerignore honoured).'
  static override description =
    `Streams the build output to stderr (a one-line status on a terminal with --quiet).
On failure: one line with the engine's error and the failing step's last lines; exit 3.`
  static override examples = ['<%= config.bin %> build --dir ./sqrt --tag sqrt:latest']
  static override flags = {
    dir: Flags.string({ description: 'task directory', default: '.' }),
    tag: Flags.string({ char: 't', description: 'image name:tag', required: true }),
    file: Flags.string({
      char: 'f',
      description: 'Dockerfile name inside the directory',
      default: 'Dockerfile',
    }),
    quiet: Flags.boolean({ description: 'show a status line instead of the build output', default: false }),
  }

  async run(): Promise<BuildResult> {
    const { flags } = this
    const bar = progressLine(flags.quiet && interactive(this.jsonEnabled()))
    const r = await buildImage({
      dir: flags.dir,
      tag: flags.tag,
      dockerfile: flags.file,
      onLine: (line) => {
        if (flags.quiet) bar.update(line.trim(), null)
        else process.stderr.write(`${line}\n`)
      },
    })
    bar.done()
    this.say(`Built ${r.image} in ${r.seconds}s`)
    return r
  }
}
