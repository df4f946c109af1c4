// gridcore join --foreground: the files written as join writes them, then the node run in this process until it
// stops (for systemd and containers); the record names this process while it runs.

import { GridcoreError } from '../../lib/errors.js'
import type { LogFormat } from '../../lib/logger.js'
import { createLogger } from '../../lib/logger.js'
import { paths } from '../../lib/paths.js'
import { cmdlineOf, startTimeOf } from '../../lib/proc.js'
import { type NodeExit, runNode } from '../../node/daemon.js'
import { parseNodeOptions } from '../../node/options.js'
import { type JoinRequest, type JoinResult, prepareJoin, resultOf } from './join.js'
import { writeJoined } from './record.js'

/** Writes the files, then runs the node here; returns when it stops (the exit code is the node's). */
export async function joinForeground(
  req: JoinRequest,
  o: { logFormat: LogFormat; signal: AbortSignal },
): Promise<JoinResult & { exit: NodeExit }> {
  const prepared = await prepareJoin(req, paths(), 'foreground')
  if (prepared.running)
    throw new GridcoreError(
      'CONFIG',
      `a node joined to ${prepared.state.hub_url} already runs on this machine (pid ${prepared.state.pid}): gridcore leave stops it`,
    )
  const state = {
    ...prepared.state,
    pid: process.pid,
    started: startTimeOf(process.pid),
    cmdline: cmdlineOf(process.pid),
  }
  writeJoined(prepared.paths, state)
  const options = parseNodeOptions({ config: state.config_path, 'state-dir': state.state_dir })
  const logger = createLogger({ format: o.logFormat, component: 'node', secrets: [options.token] })
  const exit = await runNode(options, { signal: o.signal, logger })
  const done = { ...state, node_id: exit.node_id }
  writeJoined(prepared.paths, done)
  return { ...resultOf(done, prepared.paths, false), exit }
}
