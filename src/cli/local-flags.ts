// The ports of a local cluster, the same flags and env vars in up, doctor and run --local.
import { Flags } from '@oclif/core'
import { DEFAULT_HUB_PORT, DEFAULT_REDIS_PORT } from '../deploy/local-cluster/settings.js'

/** `when` prefixes the descriptions, e.g. "with --local: ". */
export function localPortFlags(when = '') {
  return {
    'hub-port': Flags.integer({
      description: `${when}hub port on 127.0.0.1`,
      default: DEFAULT_HUB_PORT,
      min: 1,
      max: 65535,
      env: 'GRIDCORE_HUB_PORT',
    }),
    'redis-port': Flags.integer({
      description: `${when}Redis port on 127.0.0.1`,
      default: DEFAULT_REDIS_PORT,
      min: 1,
      max: 65535,
      env: 'GRIDCORE_REDIS_PORT',
    }),
  }
}
