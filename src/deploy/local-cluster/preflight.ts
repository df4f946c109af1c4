// Step: the ports a new local cluster needs are free (the hub's, and Redis's unless an existing server is used);
// a busy one fails in one line naming what holds it and the flag to change, before anything is written.
import { GridcoreError } from '../../lib/errors.js'
import { describeBusy, portFree } from '../ports.js'
import type { Choice } from './choose.js'
import type { UpSettings } from './settings.js'

export interface PortNeed {
  port: number
  flag: '--hub-port' | '--redis-port'
}

/** Pure: the ports a new cluster listens on. */
export function portsNeeded(
  s: Pick<UpSettings, 'hubPort' | 'redisPort'>,
  choice: Pick<Choice, 'redis'>,
): PortNeed[] {
  const needs: PortNeed[] = [{ port: s.hubPort, flag: '--hub-port' }]
  if (choice.redis !== 'url') needs.push({ port: s.redisPort, flag: '--redis-port' })
  return needs
}

/** Pure: the first busy port as the error up reports, or undefined when all are free. */
export function portProblem(
  needs: PortNeed[],
  free: (port: number) => boolean,
  describe: (port: number) => string,
): GridcoreError | undefined {
  const busy = needs.find((n) => !free(n.port))
  return (
    busy &&
    new GridcoreError('CONFIG', `${describe(busy.port)}: stop it, or pass ${busy.flag} with a free port`)
  )
}

export async function checkPorts(s: UpSettings, choice: Choice): Promise<string> {
  const needs = portsNeeded(s, choice)
  const free = new Map<number, boolean>()
  // Listening, a port must be free on the listen address too (another service may hold it there only).
  const hosts = ['127.0.0.1', ...(s.listen ? [s.listen.address] : [])]
  for (const n of needs) {
    let ok = true
    for (const host of hosts) ok = ok && (await portFree(n.port, host))
    free.set(n.port, ok)
  }
  const problem = portProblem(needs, (port) => free.get(port) ?? false, describeBusy)
  if (problem) throw problem
  const on = s.listen ? ` on 127.0.0.1 and ${s.listen.address}` : ''
  return `${needs.map((n) => `${n.flag === '--hub-port' ? 'hub' : 'Redis'} ${n.port}`).join(', ')}${on}`
}
