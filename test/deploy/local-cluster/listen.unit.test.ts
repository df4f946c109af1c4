// up --listen/--advertise/--insecure-plaintext, checked at the edge against this machine's addresses; and whether
// a recorded cluster runs as asked.
import { describe, expect, it } from 'vitest'
import type { LocalClusterState } from '../../../src/cluster/local.js'
import { chooseEngine } from '../../../src/deploy/local-cluster/choose.js'
import {
  type Interfaces,
  listenMismatch,
  listenSettings,
  ownAddresses,
} from '../../../src/deploy/local-cluster/listen.js'
import { upSettings } from '../../../src/deploy/local-cluster/settings.js'

const ifaces: Interfaces = {
  lo: [
    { address: '127.0.0.1', internal: true, family: 'IPv4' },
    { address: '::1', internal: true, family: 'IPv6' },
  ],
  eth0: [
    { address: 'fe80::1', internal: false, family: 'IPv6' },
    { address: '2001:db8::5', internal: false, family: 'IPv6' },
    { address: '10.0.0.5', internal: false, family: 'IPv4' },
  ],
}
const only = { lo: ifaces.lo }

const fails = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return { exit: (e as { exitCode: number }).exitCode, message: (e as Error).message }
  }
  throw new Error('expected an error')
}

describe('listenSettings', () => {
  it('is undefined without --listen (loopback only, as before), and refuses its companions alone', () => {
    expect(listenSettings({}, ifaces)).toBeUndefined()
    expect(fails(() => listenSettings({ advertise: 'x' }, ifaces))).toEqual({
      exit: 2,
      message:
        '--advertise applies to a cluster that listens beyond loopback: pass --listen ADDRESS with it (e.g. --listen 10.0.0.5)',
    })
    expect(fails(() => listenSettings({ insecurePlaintext: true }, ifaces)).message).toMatch(
      /^--insecure-plaintext applies to a cluster that listens/,
    )
  })

  it('takes an address of this machine, advertised as itself, TLS unless --insecure-plaintext', () => {
    expect(listenSettings({ listen: '10.0.0.5' }, ifaces)).toEqual({
      address: '10.0.0.5',
      advertise: '10.0.0.5',
      tls: true,
    })
    expect(listenSettings({ listen: '[2001:db8::5]', insecurePlaintext: true }, ifaces)).toEqual({
      address: '2001:db8::5',
      advertise: '2001:db8::5',
      tls: false,
    })
    expect(listenSettings({ listen: '10.0.0.5', advertise: 'Lab.Example.org' }, ifaces)?.advertise).toBe(
      'lab.example.org',
    )
  })

  it('0.0.0.0 (only when asked) advertises the first non-loopback IPv4 address, :: the first of any', () => {
    expect(listenSettings({ listen: '0.0.0.0' }, ifaces)?.advertise).toBe('10.0.0.5')
    expect(listenSettings({ listen: '::' }, ifaces)?.advertise).toBe('10.0.0.5')
    expect(fails(() => listenSettings({ listen: '0.0.0.0' }, only)).message).toMatch(
      /no other address than loopback to advertise: pass --advertise HOST/,
    )
    expect(listenSettings({ listen: '0.0.0.0', advertise: 'lab' }, only)?.advertise).toBe('lab')
  })

  it('refuses a name, a loopback address, an address of another machine and a bad --advertise (exit 2)', () => {
    expect(fails(() => listenSettings({ listen: 'lab.example' }, ifaces))).toEqual({
      exit: 2,
      message:
        '--listen expects an IP address of this machine (or 0.0.0.0 for every interface), got "lab.example" (this machine\'s addresses: 10.0.0.5, 2001:db8::5; or 0.0.0.0 for every interface)',
    })
    expect(fails(() => listenSettings({ listen: '127.0.0.1' }, ifaces)).message).toMatch(
      /^--listen 127\.0\.0\.1 is a loopback address, which other machines cannot reach/,
    )
    expect(fails(() => listenSettings({ listen: '10.0.0.9' }, ifaces)).message).toBe(
      "--listen 10.0.0.9 is not an address of this machine (this machine's addresses: 10.0.0.5, 2001:db8::5; or 0.0.0.0 for every interface)",
    )
    expect(
      fails(() => listenSettings({ listen: '10.0.0.5', advertise: 'localhost' }, ifaces)).message,
    ).toMatch(/^--advertise localhost is a loopback name/)
    expect(fails(() => listenSettings({ listen: '10.0.0.5', advertise: 'a b' }, ifaces)).exit).toBe(2)
  })

  it('lists this machine’s own addresses without loopback or link-local ones, IPv4 first', () => {
    expect(ownAddresses(ifaces)).toEqual(['10.0.0.5', '2001:db8::5'])
  })
})

describe('up settings with --listen', () => {
  it('carry the listen settings; refuse an existing Redis and the upstream engine', () => {
    expect(upSettings({ hubPort: 1, redisPort: 2, listen: '10.0.0.5' }, {}, ifaces).listen).toEqual({
      address: '10.0.0.5',
      advertise: '10.0.0.5',
      tls: true,
    })
    expect(
      fails(() =>
        upSettings({ hubPort: 1, redisPort: 2, listen: '10.0.0.5', redis: 'redis://h:1' }, {}, ifaces),
      ).message,
    ).toMatch(/^--listen serves Redis to other machines, which needs a Redis gridcore runs: drop --redis URL/)
    expect(
      fails(() => upSettings({ hubPort: 1, redisPort: 2, listen: '10.0.0.5', engine: 'native' }, {}, ifaces))
        .exit,
    ).toBe(2)
  })

  it('run the embedded engine even where auto would pick the upstream binaries', () => {
    const bins = { computehub: '/b/computehub', gridnode: '/b/gridnode', version: null }
    expect(chooseEngine('auto', 'docker', { docker: true, binaries: bins }).engine).toBe('native')
    expect(chooseEngine('auto', 'docker', { docker: true, binaries: bins }, true).engine).toBe('embedded')
  })
})

describe('listenMismatch', () => {
  const base: LocalClusterState = { mode: 'local', computehub: { url: 'https://127.0.0.1:8080' } }
  const l = { address: '10.0.0.5', advertise: '10.0.0.5', tls: true }

  it('accepts up without --listen on any cluster, and the same settings again', () => {
    expect(listenMismatch(base, undefined)).toBeUndefined()
    expect(listenMismatch({ ...base, listen: l }, undefined)).toBeUndefined()
    expect(listenMismatch({ ...base, listen: l }, { ...l })).toBeUndefined()
  })

  it('says how the cluster runs and how to change it', () => {
    expect(listenMismatch(base, l)).toBe(
      'the local cluster runs on loopback only, not listening on 10.0.0.5 (advertised as 10.0.0.5, TLS): to change it, run gridcore down (it keeps the data and the cluster CA), then gridcore up with the new --listen',
    )
    expect(listenMismatch({ ...base, listen: l }, { ...l, tls: false })).toMatch(
      /^the local cluster runs listening on 10\.0\.0\.5 \(advertised as 10\.0\.0\.5, TLS\), not listening on 10\.0\.0\.5 \(advertised as 10\.0\.0\.5, plain text\)/,
    )
  })
})
