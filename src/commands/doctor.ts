// gridcore doctor: checks this machine for a local cluster; exits 3 when gridcore up could not succeed.
import { GridcoreCommand } from '../cli/base-command.js'
import { localPortFlags } from '../cli/local-flags.js'
import { type DoctorReport, doctor } from '../deploy/doctor.js'
import { EXIT } from '../lib/errors.js'

export default class Doctor extends GridcoreCommand<typeof Doctor> {
  static override summary =
    'Check this machine: Docker, redis-server, ports, directories, installed binaries.'
  static override description =
    `Each finding comes with its fix. The ports checked are the ones gridcore up would use: --hub-port and
--redis-port, else GRIDCORE_HUB_PORT and GRIDCORE_REDIS_PORT, else 8080 and 6379. Exit 0 when gridcore up can
succeed, 3 when it cannot.`
  static override flags = localPortFlags()

  async run(): Promise<DoctorReport> {
    const { flags } = this
    const r = await doctor({ hubPort: flags['hub-port'], redisPort: flags['redis-port'] })
    const mark = { ok: 'ok  ', warn: 'warn', error: 'FAIL' } as const
    for (const c of r.checks)
      this.say(
        `${mark[c.status]}  ${c.name.padEnd(18)} ${c.detail}${c.fix && c.status !== 'ok' ? ` — fix: ${c.fix}` : ''}`,
      )
    this.say(
      r.ok
        ? 'gridcore up can start a local cluster here.'
        : 'gridcore up cannot succeed until the FAIL lines are fixed.',
    )
    if (!r.ok) process.exitCode = EXIT.CONFIG
    return r
  }
}
