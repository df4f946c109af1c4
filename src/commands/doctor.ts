// gridcore doctor: checks this machine for a local cluster; exits 3 when gridcore up could not succeed.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../cli/base-command.js'
import { type DoctorReport, doctor } from '../deploy/doctor.js'
import { EXIT } from '../lib/errors.js'

export default class Doctor extends GridcoreCommand<typeof Doctor> {
  static override summary =
    'Check this machine: Docker, redis-server, ports, directories, installed binaries.'
  static override description =
    'Each finding comes with its fix. Exit 0 when gridcore up can succeed, 3 when it cannot.'
  static override flags = {
    'hub-port': Flags.integer({ description: 'hub port to check', default: 8080, env: 'GRIDCORE_HUB_PORT' }),
    'redis-port': Flags.integer({
      description: 'Redis port to check',
      default: 6379,
      env: 'GRIDCORE_REDIS_PORT',
    }),
  }

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
