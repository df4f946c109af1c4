// connect's warning for a hub reached in plain HTTP across the network (loopback needs none, HTTPS neither).
import { describe, expect, it } from 'vitest'
import { plaintextWarning } from '../../src/cluster/connect.js'

describe('plaintextWarning', () => {
  it('warns for plain HTTP off this machine only', () => {
    expect(plaintextWarning('http://10.0.0.5:8080')).toBe(
      'the hub at http://10.0.0.5:8080 speaks plain HTTP: the token and the items cross the network unencrypted (a cluster made with gridcore up --listen uses TLS)',
    )
    expect(plaintextWarning('http://hub.example.org')).toMatch(/speaks plain HTTP/)
    for (const url of [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
      'https://10.0.0.5',
    ]) {
      expect(plaintextWarning(url), url).toBeNull()
    }
  })
})
