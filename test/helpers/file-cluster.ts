// One local cluster (embedded engine, process runtime, 2 instances) for a whole test file, driven through the CLI:
// `up` before the file, each test's leftover current task finished after it, `down` after the file.
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { type CliOptions, type CliResult, runCli } from './cli.js'
import { freePort } from './ports.js'

export type Gc = (args: string[], o?: Omit<CliOptions, 'env'> & { home?: string }) => Promise<CliResult>

/** The CLI against `home`'s local cluster, which this registers the file's hooks to start and stop. */
export function fileCluster(
  home: string,
  o: { timeoutMs?: number; after?: () => Promise<void> | void } = {},
): Gc {
  const gc: Gc = (args, opts = {}) =>
    runCli(args, {
      env: { GRIDCORE_HOME: opts.home ?? home, GRIDCORE_CLUSTER: undefined },
      timeoutMs: opts.timeoutMs ?? o.timeoutMs ?? 120_000,
      input: opts.input,
      cwd: opts.cwd,
    })
  beforeAll(async () => {
    const ports = ['--hub-port', String(await freePort()), '--redis-port', String(await freePort())]
    const up = await gc(['up', '--runtime', 'process', ...ports, '--parallelism', '2', '--json'])
    expect(up.code, up.stderr).toBe(0)
  })
  afterEach(async () => {
    // A failed test must not leave its task running in front of the next one.
    while ((await gc(['task', 'list', '--json'])).json?.current) await gc(['task', 'finish'])
  })
  afterAll(async () => {
    await o.after?.()
    await gc(['down'])
  })
  return gc
}
