// The local cluster's upstream configs: plain loopback as before; with --listen the hub's addresses, TLS files and
// Redis URL, and a node that reaches the hub over https on loopback with the cluster CA.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeLocalConfigs } from '../../src/deploy/config-files.js'
import { readHubConfig } from '../../src/hub/config.js'
import { readNodeConfig } from '../../src/node/config.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const base = { hubPort: 8080, token: 'gc-t', parallelism: 2, runtime: 'process' as const }

describe('writeLocalConfigs', () => {
  it('without --listen: the hub on loopback only, plain http, no gridcore keys in computehub.toml', () => {
    const d = join(dir, 'loop')
    const f = writeLocalConfigs(d, base)
    expect(readHubConfig(f.hub)).toEqual({ bind: '127.0.0.1:8080', token: 'gc-t' })
    expect(readNodeConfig(f.node)).toMatchObject({
      server_url: 'http://127.0.0.1:8080',
      allowed_commands: ['*'],
    })
    expect(readNodeConfig(f.node).ca_file).toBeUndefined()
  })

  it('with --listen: bind on the address, loopback beside it, the TLS files, the advertised Redis URL, the node on the address', () => {
    const d = join(dir, 'tls')
    const tls = { cert: '/t/server.pem', key: '/t/server-key.pem', ca: '/t/ca.pem' }
    const redisUrl = 'rediss://:pw@10.0.0.5:6379'
    const f = writeLocalConfigs(d, {
      ...base,
      listen: { bind: '10.0.0.5:8080', alsoBind: ['127.0.0.1:8080'], redisUrl, tls },
    })
    expect(readHubConfig(f.hub)).toEqual({
      bind: '10.0.0.5:8080',
      token: 'gc-t',
      also_bind: ['127.0.0.1:8080'],
      redis_url: redisUrl,
      tls_cert: tls.cert,
      tls_key: tls.key,
      tls_ca: tls.ca,
    })
    expect(readNodeConfig(f.node)).toMatchObject({
      server_url: 'https://10.0.0.5:8080',
      ca_file: '/t/ca.pem',
    })
    for (const file of [f.hub, f.node]) expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(f.hub, 'utf8')).toMatch(/^# written by gridcore up/)
  })

  it('with --insecure-plaintext: the same addresses, no TLS keys, the node on http (loopback for a wildcard)', () => {
    const d = join(dir, 'plain')
    const f = writeLocalConfigs(d, {
      ...base,
      listen: { bind: '0.0.0.0:8080', alsoBind: [], redisUrl: 'redis://:pw@10.0.0.5:6379' },
    })
    const hub = readHubConfig(f.hub)
    expect(hub).toMatchObject({ bind: '0.0.0.0:8080', also_bind: [] })
    expect(hub.tls_cert).toBeUndefined()
    expect(readNodeConfig(f.node).server_url).toBe('http://127.0.0.1:8080')
  })
})
