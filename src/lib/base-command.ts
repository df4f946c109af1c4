// The base of every gridcore command: --json, cluster selection, and error -> one line + exit code.
import { Command, Errors, Flags } from '@oclif/core'
import { HubClient } from '../client/hub-client.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { resolveCluster } from '../cluster/resolve.js'
import { GridcoreError, oneLine } from './errors.js'
import { redactText } from './redact.js'

/** Flags of commands that talk to a cluster. `--hub` + token bypass the saved profiles. */
export const clusterFlags = {
  cluster: Flags.string({
    description: 'cluster profile to use (default: the local cluster, else the only profile)',
    env: 'GRIDCORE_CLUSTER',
    helpGroup: 'CLUSTER',
  }),
  hub: Flags.string({
    description: 'hub URL, instead of a saved profile (token from GRIDCORE_TOKEN or --token)',
    env: 'GRIDCORE_HUB_URL',
    helpGroup: 'CLUSTER',
  }),
  token: Flags.string({ description: 'hub token, with --hub', env: 'GRIDCORE_TOKEN', helpGroup: 'CLUSTER' }),
}

/** Flags of data-plane commands: a queue given directly, or the cluster's current task. */
export const queueFlags = {
  ...clusterFlags,
  redis: Flags.string({
    description: 'Redis URL (default: the cluster’s, or the current task’s)',
    env: 'GRIDCORE_REDIS_URL',
    helpGroup: 'QUEUE',
  }),
  queue: Flags.string({
    char: 'q',
    description: 'input queue (default: the current task’s)',
    helpGroup: 'QUEUE',
  }),
  'output-queue': Flags.string({
    description: 'output queue (default: the task’s, else <queue>:output)',
    helpGroup: 'QUEUE',
  }),
}

type ClusterFlagValues = { cluster?: string; hub?: string; token?: string }

export abstract class GridcoreCommand<T> extends Command {
  static override enableJsonFlag = true
  /** Secrets this run knows about; masked in any error text. */
  protected secrets: string[] = []

  /** Prints human output (suppressed under --json). */
  protected say(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(`${text}\n`)
  }

  /** Prints a diagnostic on stderr (always; never on stdout). */
  protected note(text: string): void {
    process.stderr.write(`${redactText(text, this.secrets)}\n`)
  }

  protected clusterFrom(flags: ClusterFlagValues): ClusterProfile {
    if (flags.hub) {
      if (!flags.token)
        throw new GridcoreError('USAGE', '--hub needs a token: pass --token or set GRIDCORE_TOKEN')
      this.secrets.push(flags.token)
      return { name: 'flags', hubUrl: flags.hub, token: flags.token }
    }
    const profile = resolveCluster(flags.cluster)
    this.secrets.push(profile.token)
    return profile
  }

  protected hubClient(profile: ClusterProfile): HubClient {
    return new HubClient({ url: profile.hubUrl, token: profile.token })
  }

  abstract override run(): Promise<T>

  protected override async catch(
    err: Error & { exitCode?: number; oclif?: { exit?: number } },
  ): Promise<never> {
    if (err instanceof Errors.ExitError) throw err
    const e = toGridcoreError(err, this.id)
    const message = redactText(oneLine(e.message), this.secrets)
    if (this.jsonEnabled()) {
      process.stdout.write(
        `${JSON.stringify({ error: { code: e.code, message, exit_code: e.exitCode, ...e.details } })}\n`,
      )
    }
    process.stderr.write(`gridcore: ${message}\n`)
    if (process.env.GRIDCORE_DEBUG && e.code === 'INTERNAL' && err.stack)
      process.stderr.write(`${err.stack}\n`)
    return this.exit(e.exitCode)
  }
}

export function toGridcoreError(err: Error, commandId?: string): GridcoreError {
  if (err instanceof GridcoreError) return err
  const help = commandId ? ` (see gridcore ${commandId.replace(/:/g, ' ')} --help)` : ''
  // oclif parser errors: unknown flags, missing arguments, invalid options.
  if (err instanceof Errors.CLIError || 'parse' in err || /^Parsing --/.test(err.message)) {
    const msg = oneLine(
      err.message
        .replace(/\u001b\[[0-9;]*m/g, '')
        .replace(/See more help with --help/, '')
        .replace(/^The following errors? occurred:/, '')
        .replace(/^Parsing --[\w-]+\s*/, ''),
    )
    return new GridcoreError('USAGE', `${msg}${help}`)
  }
  return new GridcoreError(
    'INTERNAL',
    `unexpected error: ${err.message}; rerun with GRIDCORE_DEBUG=1 and report it`,
  )
}
