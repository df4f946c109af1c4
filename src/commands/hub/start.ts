// gridcore hub start: the embedded ComputeHub in the foreground until SIGINT/SIGTERM.
import { Flags } from '@oclif/core'
import { GridcoreCommand } from '../../cli/base-command.js'
import { durationFlag, logFormatFlag } from '../../cli/flags.js'
import { startHubProcess } from '../../deploy/hub-process.js'
import { waitForShutdownSignal } from '../../lib/signals.js'

export default class HubStart extends GridcoreCommand<typeof HubStart> {
  static override summary = 'Run the embedded ComputeHub (upstream protocol) in the foreground.'
  static override description =
    `Reads an upstream computehub.toml (bind, token) plus gridcore's keys (tls_cert, tls_key, tls_ca, also_bind,
redis_url); flags override it. Without --config the upstream search order applies: $IDM_GRIDCORE_CONFIG, the user
config dir, /etc/idm-gridcore. With a certificate, its key and the cluster CA it serves HTTPS (and the CA itself on
plain GET /ca.pem, for joiners that pin its fingerprint) on every bind address. The task list and the scoped tokens
survive restarts (state file next to the config unless --state-file). Tasks registered with auto_finish are finished
once their queues are drained and stay so for --auto-finish-settle. A status page is served at / (it asks for a
token), Prometheus metrics at /metrics (a read token), instances' logs at /api/logs; Redis is read for them at most
once per --stats-interval. Stops gracefully on SIGINT/SIGTERM.
With --json, prints one object {url, urls, bind, tls, ca_fingerprint, pid, state_file} once listening; logs go to
stderr.`
  static override examples = [
    '<%= config.bin %> hub start --config ~/.config/idm-gridcore/computehub.toml',
    '<%= config.bin %> hub start --bind 127.0.0.1:8080 --token "$TOKEN" --log-format json',
    '<%= config.bin %> hub start --bind 10.0.0.5:8443 --also-bind 127.0.0.1:8443 --tls-cert server.pem --tls-key server-key.pem --tls-ca ca.pem',
  ]
  static override flags = {
    config: Flags.string({ char: 'c', description: 'path to computehub.toml' }),
    bind: Flags.string({
      description: `HOST:PORT to listen on (default: the config's, else 127.0.0.1:8080)`,
    }),
    'also-bind': Flags.string({
      description: 'another HOST:PORT served the same way, e.g. loopback beside an interface (repeatable)',
      multiple: true,
    }),
    token: Flags.string({ description: 'bearer token nodes and clients must send (default: the config’s)' }),
    'state-file': Flags.string({ description: 'where the task list and tokens are kept across restarts' }),
    'tls-cert': Flags.string({
      description: 'server certificate (PEM): serve HTTPS (with --tls-key, --tls-ca)',
    }),
    'tls-key': Flags.string({ description: 'the server certificate’s private key (PEM)' }),
    'tls-ca': Flags.string({ description: 'the cluster CA certificate (PEM), served on plain GET /ca.pem' }),
    'log-format': logFormatFlag(),
    'node-timeout': durationFlag({ description: 'drop a node silent for this long', default: '1m' }),
    'sweep-interval': durationFlag({ description: 'how often silent nodes are dropped', default: '30s' }),
    'auto-finish-settle': durationFlag({
      description: 'how long an auto_finish task’s queues must stay drained before it is finished',
      default: '10s',
    }),
    'auto-finish-interval': durationFlag({
      description: 'how often auto_finish tasks’ queues are checked',
      default: '1s',
    }),
    'stats-interval': durationFlag({
      description: 'Redis is read at most this often per task for /metrics, the status page and the ledger',
      default: '2s',
    }),
  }

  async run(): Promise<void> {
    const { flags } = this
    const { hub, listening } = await startHubProcess({
      config: flags.config,
      bind: flags.bind,
      alsoBind: flags['also-bind'],
      token: flags.token,
      stateFile: flags['state-file'],
      tlsCert: flags['tls-cert'],
      tlsKey: flags['tls-key'],
      tlsCa: flags['tls-ca'],
      logFormat: flags['log-format'],
      nodeTimeoutMs: flags['node-timeout'],
      sweepIntervalMs: flags['sweep-interval'],
      autoFinishSettleMs: flags['auto-finish-settle'],
      autoFinishIntervalMs: flags['auto-finish-interval'],
      statsIntervalMs: flags['stats-interval'],
      secret: (token) => this.secrets.push(token),
    })
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(listening)}\n`)
    await waitForShutdownSignal()
    await hub.stop()
  }
}
