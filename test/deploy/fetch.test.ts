// Binary fetch against a local HTTP server that serves a releases API and its assets, in every layout.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const ELF = readFileSync('/bin/true') // a real executable for this machine
const ELF2 = readFileSync('/bin/false')
const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
type Route = { status?: number; headers?: Record<string, string>; body?: Buffer | string; truncate?: boolean }
const routes = new Map<string, Route>()
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    const r = routes.get(req.url ?? '')
    if (!r) {
      res.writeHead(404).end('{"message":"Not Found"}')
      return
    }
    const body = typeof r.body === 'string' ? Buffer.from(r.body) : (r.body ?? Buffer.alloc(0))
    res.writeHead(r.status ?? 200, { 'content-length': String(body.length), ...r.headers })
    if (r.truncate) {
      res.write(body.subarray(0, Math.floor(body.length / 2)))
      setTimeout(() => res.socket?.destroy(), 20)
    } else res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
function release(
  tag: string,
  assets: { name: string; body: Buffer | string; route?: Partial<Route> }[],
  path = '/repos/Wolido/idm-gridcore/releases/latest',
) {
  for (const a of assets) routes.set(`/dl/${tag}/${a.name}`, { body: a.body, ...a.route })
  routes.set(path, {
    body: JSON.stringify({
      tag_name: tag,
      assets: assets.map((a) => ({
        name: a.name,
        browser_download_url: `${base}/redirect/${tag}/${a.name}`,
      })),
    }),
  })
  for (const a of assets)
    routes.set(`/redirect/${tag}/${a.name}`, {
      status: 302,
      headers: { location: `${base}/dl/${tag}/${a.name}` },
    })
}
let homes = 0
const fetchCli = async (args: string[] = []) => {
  const home = join(dir, `home-${homes++}`)
  const r = await runCli(['fetch', '--api-base', base, '--json', ...args], {
    env: { GRIDCORE_HOME: home, GITHUB_TOKEN: undefined },
  })
  return { ...r, bin: paths({ GRIDCORE_HOME: home }).binDir }
}
function expectInstalled(bin: string, hub: Buffer, node: Buffer) {
  for (const [name, want] of [
    ['computehub', hub],
    ['gridnode', node],
  ] as const) {
    const p = join(bin, name)
    expect(readFileSync(p).equals(want)).toBe(true)
    expect(statSync(p).mode & 0o777).toBe(0o755)
  }
}

describe('gridcore fetch', () => {
  it('installs raw binaries (following redirects) and checks them as executables when no checksum is published', async () => {
    release('v0.3.0', [
      { name: `computehub-0.3.0-linux-${arch}`, body: ELF },
      { name: `gridnode-0.3.0-linux-${arch}`, body: ELF2 },
      { name: 'computehub-0.3.0-macos-arm64', body: 'mac' },
      { name: 'gridnode-0.3.0-linux-riscv64', body: 'other' },
    ])
    const r = await fetchCli()
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({
      version: '0.3.0',
      tag: 'v0.3.0',
      source: 'release',
      verified: 'executable',
      assets: [`computehub-0.3.0-linux-${arch}`, `gridnode-0.3.0-linux-${arch}`],
    })
    expectInstalled(r.bin, ELF, ELF2)
    expect(JSON.parse(readFileSync(join(r.bin, 'versions.json'), 'utf8'))).toMatchObject({
      version: '0.3.0',
      source: 'release',
    })
  })

  it('installs from a .tar.gz and verifies it against SHA256SUMS', async () => {
    const src = join(dir, 'tgz', 'idm-gridcore-0.4.0')
    mkdirSync(src, { recursive: true })
    copyFileSync('/bin/true', join(src, 'computehub'))
    copyFileSync('/bin/false', join(src, 'gridnode'))
    execFileSync('tar', ['czf', join(dir, 'a.tar.gz'), '-C', join(dir, 'tgz'), 'idm-gridcore-0.4.0'])
    const tgz = readFileSync(join(dir, 'a.tar.gz'))
    const name = `idm-gridcore-0.4.0-linux-${arch}.tar.gz`
    release('v0.4.0', [
      { name, body: tgz },
      { name: 'SHA256SUMS', body: `${sha(tgz)}  ${name}\n` },
    ])
    const r = await fetchCli()
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ tag: 'v0.4.0', verified: 'sha256' })
    expectInstalled(r.bin, ELF, ELF2)
  })

  it('installs from a .zip with a per-asset .sha256, for the --version asked', async () => {
    const zip = join(dir, 'a.zip')
    execFileSync('/usr/bin/python3', [
      '-c',
      `import zipfile\nz = zipfile.ZipFile(${JSON.stringify(zip)}, 'w', zipfile.ZIP_DEFLATED)\nz.write('/bin/true', 'bin/computehub')\nz.write('/bin/false', 'bin/gridnode')\nz.close()`,
    ])
    const body = readFileSync(zip)
    const name = `gridcore-bins-linux-${arch}.zip`
    release(
      'v0.2.1',
      [
        { name, body },
        { name: `${name}.sha256`, body: sha(body) },
      ],
      '/repos/Wolido/idm-gridcore/releases/tags/v0.2.1',
    )
    const r = await fetchCli(['--version', '0.2.1'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ tag: 'v0.2.1', verified: 'sha256' })
    expectInstalled(r.bin, ELF, ELF2)
  })

  const failures: [string, () => void, string[], RegExp][] = [
    [
      'a checksum mismatch',
      () =>
        release('v1.0.0', [
          { name: `computehub-linux-${arch}`, body: ELF },
          { name: `gridnode-linux-${arch}`, body: ELF2 },
          {
            name: 'SHA256SUMS',
            body: `${'0'.repeat(64)}  computehub-linux-${arch}\n${sha(ELF2)}  gridnode-linux-${arch}\n`,
          },
        ]),
      [],
      /checksum mismatch for computehub-linux-\w+ .*nothing was installed/,
    ],
    [
      'a 404 for the version',
      () => {},
      ['--version', '9.9.9'],
      /no such release at .*\/releases\/tags\/v9\.9\.9 \(404\): check --version/,
    ],
    [
      'a truncated download',
      () =>
        release('v1.1.0', [
          { name: `computehub-linux-${arch}`, body: ELF, route: { truncate: true } },
          { name: `gridnode-linux-${arch}`, body: ELF2 },
        ]),
      [],
      /the download of computehub-linux-\w+ was cut short after \d+ (of \d+ )?bytes/,
    ],
    [
      'no asset for this arch',
      () =>
        release('v1.2.0', [
          { name: 'computehub-linux-riscv64', body: ELF },
          { name: 'gridnode-linux-riscv64', body: ELF },
        ]),
      [],
      /release v1\.2\.0 has no asset for linux\/\w+ .*--build-from-source, or use the embedded engine/,
    ],
    [
      'an API rate limit',
      () =>
        routes.set('/repos/Wolido/idm-gridcore/releases/latest', {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1800000000' },
          body: '{"message":"API rate limit exceeded"}',
        }),
      [],
      /rate limit is reached \(resets at \d\d:\d\d UTC\): try later, set GITHUB_TOKEN, or use the embedded engine/,
    ],
    [
      'a file that is not an executable',
      () =>
        release('v1.3.0', [
          { name: `computehub-linux-${arch}`, body: '#!/bin/sh\necho hi\n' },
          { name: `gridnode-linux-${arch}`, body: ELF2 },
        ]),
      [],
      /the downloaded computehub is not an executable for linux\/\w+ \(not an ELF file\)/,
    ],
  ]
  it.each(failures)(
    '%s: one clear line, non-zero exit, nothing installed',
    async (_n, setup, args, pattern) => {
      setup()
      const r = await fetchCli(args)
      expect(r.code).toBe(3)
      const lines = r.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(pattern)
      expect(existsSync(join(r.bin, 'computehub'))).toBe(false)
    },
  )

  it('offline: names the API and suggests the embedded engine', async () => {
    const r = await runCli(['fetch', '--api-base', 'http://127.0.0.1:1'], {
      env: { GRIDCORE_HOME: join(dir, 'offline') },
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(
      /cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): offline\? The embedded engine needs no download/,
    )
  })

  it('--build-from-source clones and builds with cargo when no asset fits', async () => {
    const repo = join(dir, 'upstream-src')
    for (const b of ['computehub', 'gridnode']) {
      mkdirSync(join(repo, b, 'src'), { recursive: true })
      writeFileSync(
        join(repo, b, 'Cargo.toml'),
        `[package]\nname = "${b}"\nversion = "0.5.0"\nedition = "2021"\n`,
      )
      writeFileSync(join(repo, b, 'src', 'main.rs'), `fn main() { println!("${b}"); }\n`)
    }
    writeFileSync(
      join(repo, 'Cargo.toml'),
      '[workspace]\nmembers = ["computehub", "gridnode"]\nresolver = "2"\n',
    )
    const git = (...a: string[]) =>
      execFileSync('git', a, {
        cwd: repo,
        stdio: 'ignore',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      })
    git('init', '-q')
    git('add', '.')
    git('commit', '-qm', 'fake upstream')
    git('tag', 'v0.5.0')
    release('v0.5.0', [{ name: 'computehub-linux-riscv64', body: 'x' }])
    const r = await fetchCli(['--build-from-source', '--source-url', `file://${repo}`])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ tag: 'v0.5.0', source: 'source', verified: 'built' })
    expect(execFileSync(join(r.bin, 'gridnode'), { encoding: 'utf8' }).trim()).toBe('gridnode')
  }, 120_000)
})
