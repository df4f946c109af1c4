// `up --listen ADDR [--advertise HOST] [--insecure-plaintext]`, checked once at the edge (pure): the interface
// address the hub and Redis listen on besides loopback, the host other machines are told to use, TLS or not.
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { LocalClusterState } from '../../cluster/local.js'
import { GridcoreError } from '../../lib/errors.js'
import { certNames } from '../../net/ca.js'

export interface ListenSettings {
  /** An address of this machine, or 0.0.0.0 / :: (every interface, only when asked for explicitly). */
  address: string
  /** The host other machines reach the hub and Redis at: a name or an address (IPv6 without brackets). */
  advertise: string
  /** False only with --insecure-plaintext. */
  tls: boolean
}

export interface ListenInput {
  listen?: string
  advertise?: string
  insecurePlaintext?: boolean
}

/** This machine's interface addresses, as os.networkInterfaces() lists them. */
export type Interfaces = Record<
  string,
  { address: string; internal: boolean; family: string | number }[] | undefined
>

const WILDCARD = new Set(['0.0.0.0', '::'])

export const isWildcard = (address: string) => WILDCARD.has(address)

/** undefined without --listen (loopback only, exactly as before); else the checked settings. */
export function listenSettings(
  i: ListenInput,
  ifaces: Interfaces = networkInterfaces(),
): ListenSettings | undefined {
  if (i.listen === undefined) {
    const stray =
      i.advertise !== undefined ? '--advertise' : i.insecurePlaintext ? '--insecure-plaintext' : undefined
    if (stray)
      throw new GridcoreError(
        'USAGE',
        `${stray} applies to a cluster that listens beyond loopback: pass --listen ADDRESS with it (e.g. --listen 10.0.0.5)`,
      )
    return undefined
  }
  const address = i.listen.trim().replace(/^\[(.*)\]$/, '$1')
  const own = ownAddresses(ifaces)
  if (!isIP(address))
    throw new GridcoreError(
      'USAGE',
      `--listen expects an IP address of this machine (or 0.0.0.0 for every interface), got "${i.listen}"${hint(own)}`,
    )
  if (isLoopback(address))
    throw new GridcoreError(
      'USAGE',
      `--listen ${address} is a loopback address, which other machines cannot reach (the cluster always listens there): pass an address of this machine's network${hint(own)}`,
    )
  if (!isWildcard(address) && !own.includes(address))
    throw new GridcoreError('USAGE', `--listen ${address} is not an address of this machine${hint(own)}`)
  const advertise =
    i.advertise
      ?.trim()
      .replace(/^\[(.*)\]$/, '$1')
      .toLowerCase() || defaultAdvertise(address, own)
  if (!advertise)
    throw new GridcoreError(
      'USAGE',
      `--listen ${address} listens on every interface, and this machine has no other address than loopback to advertise: pass --advertise HOST (the name or address other machines use)`,
    )
  if (isLoopback(advertise))
    throw new GridcoreError(
      'USAGE',
      `--advertise ${advertise} is a loopback name, which other machines cannot reach: pass the name or address they use for this machine`,
    )
  certNames([advertise]) // one USAGE line when it is neither an address nor a host name
  return { address, advertise, tls: !i.insecurePlaintext }
}

/** Non-loopback addresses of this machine, IPv4 first. */
export function ownAddresses(ifaces: Interfaces): string[] {
  const all = Object.values(ifaces)
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && !isLoopback(a.address) && !a.address.startsWith('fe80:'))
    .map((a) => a.address)
  return [...all.filter((a) => isIP(a) === 4), ...all.filter((a) => isIP(a) === 6)]
}

/** The listen address itself, or for a wildcard this machine's first non-loopback address. */
function defaultAdvertise(address: string, own: string[]): string | undefined {
  if (!isWildcard(address)) return address
  return address === '::' ? (own[0] ?? undefined) : (own.find((a) => isIP(a) === 4) ?? own[0])
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

function hint(own: string[]): string {
  return own.length
    ? ` (this machine's addresses: ${own.slice(0, 6).join(', ')}; or 0.0.0.0 for every interface)`
    : ' (this machine has no address beyond loopback)'
}

/** Pure: why an up with these listen settings cannot use the recorded cluster as it runs, or undefined. */
export function listenMismatch(
  state: LocalClusterState,
  want: ListenSettings | undefined,
): string | undefined {
  if (!want) return undefined // up without --listen reports the cluster as it runs
  const have = state.listen
  const shown = (l: ListenSettings) =>
    `listening on ${l.address} (advertised as ${l.advertise}, ${l.tls ? 'TLS' : 'plain text'})`
  if (have && have.address === want.address && have.advertise === want.advertise && have.tls === want.tls)
    return undefined
  return `the local cluster runs ${have ? shown(have) : 'on loopback only'}, not ${shown(want)}: to change it, run gridcore down (it keeps the data and the cluster CA), then gridcore up with the new --listen`
}

/** host:port with IPv6 addresses in brackets, for URLs. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host
}
