// gridcore fetch: install the upstream computehub and gridnode binaries (for gridcore up --engine native).
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { interactive, progressLine } from '../cli/progress.js'
import { type FetchResult, fetchBinaries } from '../deploy/fetch/fetch-binaries.js'

export default class Fetch extends GridcoreCommand<typeof Fetch> {
  static override summary =
    'Download the upstream computehub and gridnode for this machine into ~/.local/share/idm-gridcore/bin.'
  static override description =
    `Looks up the latest release (or --version) through the GitHub releases API, picks the asset for
this OS/arch (raw binaries or a .tar.gz/.zip holding them), verifies it against a published SHA-256 when there is one
and otherwise checks it is an executable for this machine. --build-from-source clones and builds with cargo when no
asset fits. Offline or rate-limited: a clear error; gridcore up --engine embedded needs no download.`
  static override flags = {
    version: Flags.string({ description: 'release version, e.g. 0.3.0 (default: latest)' }),
    'api-base': Flags.string({
      description: 'releases API base URL (mirrors; default https://api.github.com)',
      env: 'GRIDCORE_GITHUB_API',
    }),
    repo: Flags.string({
      description: 'owner/name of the upstream repository',
      default: 'Wolido/idm-gridcore',
    }),
    'build-from-source': Flags.boolean({
      description: 'git clone + cargo build --release when no asset fits',
      default: false,
    }),
    'source-url': Flags.string({ description: 'git URL for --build-from-source' }),
  }

  async run(): Promise<FetchResult> {
    const { flags } = this
    const bar = progressLine(interactive(this.jsonEnabled()))
    const r = await fetchBinaries({
      version: flags.version,
      apiBase: flags['api-base'],
      repo: flags.repo,
      buildFromSource: flags['build-from-source'],
      sourceUrl: flags['source-url'],
      onProgress: (p) =>
        bar.update(`${p.asset} ${(p.bytes / 1e6).toFixed(1)} MB`, p.total ? p.bytes / p.total : null),
      onLine: (line) => this.note(line),
    }).finally(() => bar.done())
    this.say(
      `Installed computehub and gridnode ${r.tag} (${r.source}, verified: ${r.verified}) in ${r.installed.computehub.replace(/\/computehub$/, '')}`,
    )
    return r
  }
}
