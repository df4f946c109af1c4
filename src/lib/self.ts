// gridcore's own program on this machine: the Node.js executable and the CLI entry it runs. A task whose command
// starts with a bare `gridcore` (what `run --command` registers, so it means the same on every host) runs this.
import { fileURLToPath } from 'node:url'

/** This package's CLI entry, for starting gridcore again as `node bin/run.js …` (daemons, instances). */
export const GRIDCORE_BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** The program name a portable task command starts with. */
export const SELF = 'gridcore'

/** argv that runs `gridcore ARGS…` as this very gridcore, whatever PATH says. */
export function selfArgv(args: readonly string[]): string[] {
  return [process.execPath, GRIDCORE_BIN, ...args]
}
