#!/usr/bin/env node
// Benchmark: what TLS and the node's loopback Redis proxy cost. The same work three ways, same run: plaintext
// Redis on loopback (reference), TLS-only Redis reached directly with the pinned CA, and TLS-only Redis through
// the proxy (what a joined node's instances use). Work: the reliable consumer (2 processes, Lua take/commit)
// draining N items, and redis-benchmark's unpipelined LPUSH/RPOP round trips (BRPOP-style consumers).
// Usage: node bench/redis-proxy.mjs [--items 200000] [--requests 100000] [--runs 3]   (after npm run build)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { redisConfig } from '../dist/deploy/redis-launcher.js'
import { createClusterCa, issueServerCert } from '../dist/net/ca.js'
import { writeClusterTls } from '../dist/net/tls-files.js'
import { redisTlsOptions } from '../dist/net/tls-options.js'
import { startRedisProxy } from '../dist/node/redis-proxy.js'
import { withRedisTls } from '../dist/redis/tls-config.js'
import { fmt, freePort, median, ROOT, requireCommand, startRedis } from './lib.mjs'

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: '200000' },
    requests: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
  },
})
const N = Number(values.items)
const REQ = Number(values.requests)
const RUNS = Number(values.runs)
requireCommand('redis-benchmark', 'redis-tools')
const CONSUMER = join(ROOT, 'test', 'fixtures', 'consumer.mjs')
const dir = mkdtempSync(join(tmpdir(), 'gridcore-bench-proxy-'))

const plain = await startRedis()
const ca = await createClusterCa()
const paths = writeClusterTls(join(dir, 'tls'), { ca, server: await issueServerCert(ca, []) })
const tlsPort = await freePort()
const tlsConf = join(dir, 'redis-tls.conf')
writeFileSync(
  tlsConf,
  withRedisTls(redisConfig({ port: tlsPort, password: plain.password, dataDir: dir }), {
    tlsPort,
    password: plain.password,
    certFile: paths.cert,
    keyFile: paths.key,
    caFile: paths.caCert,
  }).replace('appendonly yes', 'appendonly no'),
)
const tlsProc = spawn('redis-server', [tlsConf], { stdio: 'ignore' })
const tlsUrl = `rediss://:${plain.password}@127.0.0.1:${tlsPort}`
const tlsOpts = redisTlsOptions(ca.certPem, tlsUrl)
for (let i = 0; ; i++) {
  const r = new Redis(tlsUrl, { ...tlsOpts, lazyConnect: true, retryStrategy: () => null })
  r.on('error', () => {})
  try {
    await r.connect()
    r.disconnect()
    break
  } catch {
    if (i > 100) throw new Error('the TLS redis-server did not start')
    await new Promise((res) => setTimeout(res, 50))
  }
}
const proxy = await startRedisProxy({ url: tlsUrl, caPem: ca.certPem })

const ways = {
  plaintext: { url: plain.url, extra: {} },
  'tls direct': { url: tlsUrl, extra: tlsOpts },
  'tls via proxy': { url: proxy.url, extra: {} },
}
/** Items/s: N items pushed, two reliable consumers started, timed until both exit (idle 300 ms). */
async function consumers(way, run) {
  const { url, extra } = ways[way]
  const admin = new Redis(way === 'tls via proxy' ? tlsUrl : url, way === 'plaintext' ? {} : tlsOpts)
  const q = `bench:${way.replace(/ /g, '-')}:${run}`
  for (let i = 0; i < N; i += 10_000) {
    await admin.lpush(`${q}:in`, ...Array.from({ length: Math.min(10_000, N - i) }, (_, k) => String(i + k)))
  }
  const t0 = performance.now()
  const kids = [0, 1].map(
    (instance) =>
      new Promise((resolve, reject) => {
        const env = {
          ...process.env,
          INPUT_REDIS_URL: url,
          INPUT_QUEUE: `${q}:in`,
          OUTPUT_QUEUE: `${q}:out`,
          INSTANCE_ID: String(instance),
          IDLE_EXIT_MS: '300',
        }
        // The fixture consumer takes a plain URL; for "tls direct" it gets TLS through NODE_EXTRA_CA_CERTS.
        if (Object.keys(extra).length) env.NODE_EXTRA_CA_CERTS = paths.caCert
        const c = spawn(process.execPath, [CONSUMER], { env, stdio: 'ignore' })
        c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`consumer exited ${code}`))))
      }),
  )
  await Promise.all(kids)
  const seconds = (performance.now() - t0) / 1000 - 0.3
  const done = await admin.llen(`${q}:out`)
  await admin.del(`${q}:out`)
  admin.disconnect()
  if (done !== N) throw new Error(`${way}: ${done} of ${N} items done`)
  return N / seconds
}
/** Requests/s of unpipelined LPUSH + RPOP round trips, 4 connections (async: the proxy lives in this process). */
async function roundTrips(way) {
  const args = ['-n', String(REQ), '-c', '4', '-t', 'lpush,rpop', '--csv']
  if (way === 'plaintext') args.push('-p', String(plain.port), '-a', plain.password)
  else if (way === 'tls direct')
    args.push('-p', String(tlsPort), '-a', plain.password, '--tls', '--cacert', paths.caCert)
  else args.push('-p', String(proxy.port))
  const child = spawn('redis-benchmark', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  child.stderr.on('data', (d) => {
    out += d
  })
  await new Promise((resolve) => child.on('exit', resolve))
  const rates = [...out.matchAll(/^"(LPUSH|RPOP)","([\d.]+)"/gm)].map((m) => Number(m[2]))
  if (rates.length !== 2) throw new Error(`redis-benchmark (${way}) said: ${out}`)
  return rates.reduce((a, b) => a + b) / 2
}

const results = {}
try {
  for (const way of Object.keys(ways)) results[way] = { items: [], requests: [] }
  for (let run = 0; run < RUNS; run++) {
    for (const way of Object.keys(ways)) {
      results[way].items.push(await consumers(way, run))
      results[way].requests.push(await roundTrips(way))
    }
  }
  const ref = results.plaintext
  console.log(
    `reliable consumers (2 processes, ${N} items) and unpipelined round trips (${REQ}), medians of ${RUNS}:`,
  )
  for (const [way, r] of Object.entries(results)) {
    const items = median(r.items)
    const reqs = median(r.requests)
    console.log(
      `  ${way.padEnd(14)} ${fmt(items, 0).padStart(8)} items/s (${fmt(items / median(ref.items))}x)   ${fmt(reqs, 0).padStart(7)} requests/s (${fmt(reqs / median(ref.requests))}x)`,
    )
  }
  console.log(`  proxy connections: ${JSON.stringify(proxy.stats())}`)
} finally {
  await proxy.close()
  tlsProc.kill('SIGTERM')
  await plain.stop()
  rmSync(dir, { recursive: true, force: true })
}
