// The join string `token create` prints: the advertised (or the hub URL's) host and port, the pinned CA; none for a
// loopback hub or an https hub without a pinned CA; insecure=1 only for a plain-HTTP hub on the network.
import { describe, expect, it } from 'vitest'
import type { ClusterProfile } from '../../src/cluster/profiles.js'
import { joinFor } from '../../src/cluster/tokens.js'
import { parseJoinString } from '../../src/net/join-string.js'

const FP = `sha256:${'ab'.repeat(32)}`
const ca = { pem: '-----BEGIN CERTIFICATE-----', fingerprint: FP, file: '/x/ca.pem' }
const profile = (o: Partial<ClusterProfile>): ClusterProfile => ({
  name: 'c',
  hubUrl: '',
  token: 'admin',
  ...o,
})

describe('joinFor', () => {
  it('pins the CA and names the hub URL host and port', () => {
    const j = joinFor(profile({ hubUrl: 'https://10.0.0.5:8443', ca }), 'gct_abc+/=')
    expect(j.note).toBeNull()
    expect(j.join).toBe(`gridcore://10.0.0.5:8443/?ca=${FP}&token=gct_abc%2B%2F%3D`)
    expect(parseJoinString(j.join!)).toEqual({
      host: '10.0.0.5',
      port: 8443,
      token: 'gct_abc+/=',
      ca: FP,
      insecure: false,
    })
  })

  it('uses the advertised host (and its port when it has one) over a loopback hub URL', () => {
    const local = { hubUrl: 'https://127.0.0.1:8443', ca }
    expect(joinFor(profile({ ...local, advertise: 'Lab.Example.org' }), 't').join).toBe(
      `gridcore://lab.example.org:8443/?ca=${FP}&token=t`,
    )
    expect(joinFor(profile({ ...local, advertise: '192.0.2.7:9443' }), 't').join).toBe(
      `gridcore://192.0.2.7:9443/?ca=${FP}&token=t`,
    )
    expect(joinFor(profile({ ...local, advertise: '[fd00::5]:9443' }), 't').join).toBe(
      `gridcore://[fd00::5]:9443/?ca=${FP}&token=t`,
    )
    expect(joinFor(profile({ ...local, advertise: 'fd00::5' }), 't').join).toBe(
      `gridcore://[fd00::5]:8443/?ca=${FP}&token=t`,
    )
  })

  it('makes none for a loopback hub, or an https hub without a pinned CA, and says why', () => {
    for (const hubUrl of ['https://127.0.0.1:8443', 'http://localhost:8080', 'http://[::1]:8080']) {
      const j = joinFor(profile({ hubUrl, ca }), 't')
      expect(j.join, hubUrl).toBeNull()
      expect(j.note).toMatch(
        /^no join string: the profile reaches the hub at .*, which other machines cannot/,
      )
    }
    const noCa = joinFor(profile({ hubUrl: 'https://hub.example.org' }), 't')
    expect(noCa).toEqual({
      join: null,
      note: 'no join string: cluster "c" has no pinned CA to put in it (connect with its join string or --ca-fingerprint first)',
    })
  })

  it('a plain-HTTP hub on the network gets an insecure=1 string and a warning', () => {
    const j = joinFor(profile({ hubUrl: 'http://10.0.0.5:8080' }), 't')
    expect(j.join).toBe('gridcore://10.0.0.5:8080/?token=t&insecure=1')
    expect(j.note).toMatch(/sends the token unencrypted/)
  })
})
