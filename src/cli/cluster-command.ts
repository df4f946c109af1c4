// Bases of the commands that talk to a cluster (--cluster/--hub/--token) and to its queues (--redis/--queue).
import type { Command } from '@oclif/core'
import type { HubClient } from '../client/hub-client.js'
import { hubClient } from '../cluster/connection.js'
import { readCaFlag } from '../cluster/profile-ca.js'
import type { ClusterProfile } from '../cluster/profiles.js'
import { resolveCluster } from '../cluster/resolve.js'
import { type OpenTarget, openTarget, type QueueTarget, resolveQueueTarget } from '../cluster/target.js'
import { GridcoreError } from '../lib/errors.js'
import type { OpenRedisOptions } from '../redis/client.js'
import { GridcoreCommand } from './base-command.js'
import { clusterFlags, queueFlags } from './flags.js'

type ClusterFlagValues = { cluster?: string; hub?: string; token?: string; 'ca-file'?: string }
type QueueFlagValues = { redis?: string; queue?: string; 'output-queue'?: string }

export abstract class ClusterCommand<C extends typeof Command> extends GridcoreCommand<C> {
  static override baseFlags = clusterFlags
  private profile?: ClusterProfile
  private client?: HubClient

  /** The cluster the flags select: --hub with a token, else --cluster, the local cluster or the only profile. */
  protected cluster(): ClusterProfile {
    if (this.profile) return this.profile
    const f = this.flags as ClusterFlagValues
    if (f.hub && !f.token)
      throw new GridcoreError('USAGE', '--hub needs a token: pass --token or set GRIDCORE_TOKEN')
    const ca =
      f.hub && f['ca-file'] ? { ...readCaFlag('--ca-file', f['ca-file']), file: f['ca-file'] } : undefined
    const profile: ClusterProfile =
      f.hub && f.token
        ? { name: 'flags', hubUrl: f.hub, token: f.token, ...(ca ? { ca } : {}) }
        : resolveCluster(f.cluster)
    this.secrets.push(profile.token)
    this.profile = profile
    return profile
  }

  /** The selected cluster's hub. */
  protected hub(): HubClient {
    const p = this.cluster()
    this.client ??= hubClient(p)
    return this.client
  }

  /** Whether --cluster or --hub names a cluster (rather than the default one). */
  protected clusterNamed(): boolean {
    const f = this.flags as ClusterFlagValues
    return Boolean(f.cluster || f.hub)
  }
}

export abstract class QueueCommand<C extends typeof Command> extends ClusterCommand<C> {
  static override baseFlags = { ...clusterFlags, ...queueFlags }
  private resolved?: Promise<QueueTarget>
  private conn?: OpenTarget

  /** The Redis and queues the flags select (else the cluster's current task), resolved once. */
  protected target(): Promise<QueueTarget> {
    this.resolved ??= resolveQueueTarget(this.flags as QueueFlagValues, () => this.cluster())
    return this.resolved
  }

  /** Connections to the target's Redis (and the output's); closed when the command ends. */
  protected async queues(): Promise<OpenTarget> {
    if (!this.conn) this.conn = await openTarget(await this.target(), this.redisOptions())
    return this.conn
  }

  /** How this command's Redis connections behave (watch: a bounded reconnect after a loss). */
  protected redisOptions(): OpenRedisOptions {
    return {}
  }

  protected override async finally(err: Error | undefined): Promise<void> {
    this.conn?.close()
    await super.finally(err)
  }
}
