// The status page in headless Chromium against a live cluster: a `gridcore hub start` process, redis-server and an
// embedded node running a task. Refused tokens show nothing; a read token shows the nodes and a progress bar that
// moves between two refreshes; the token stays out of URLs; no CSP violation; a screenshot is taken.
import { randomBytes } from 'node:crypto'
import { copyFileSync, readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { CONSUMER } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'
import { type HubProcess, startHubProcess, TOKEN } from './process.js'

const dir = tempDir()
let redis: TestRedis
let hub: HubProcess
let browser: Browser
const nodes: NodeProc[] = []
const ITEMS = 6000

beforeAll(async () => {
  // The test needs the browser: it fails (never skips) without it; test/setup/prepare.mjs installs it.
  redis = await startTestRedis()
  hub = await startHubProcess(dir, 'page', ['--stats-interval', '500ms'])
  browser = await launchChromium()
}, 60_000)
afterAll(async () => {
  await browser?.close()
  await stopNodes(nodes)
  await hub?.stop()
  await redis?.stop()
})

async function token(role: string): Promise<string> {
  const r = await hub.call('POST', '/api/tokens', { role, name: `page-${role}` })
  expect(r.status).toBe(201)
  return JSON.parse(r.text).token
}

async function signIn(page: Page, t: string) {
  await page.fill('#token', t)
  await page.click('#login button[type=submit]')
}

const barValue = (page: Page, task: string) =>
  page.$eval(`progress[data-task="${task}"]`, (p) => (p as HTMLProgressElement).value)

describe('the status page', () => {
  it('renders the live cluster for a read token, refreshing by itself; refuses other tokens', async () => {
    const node = startNodeProc(
      dir,
      { url: hub.url, token: TOKEN },
      { env: { SLOW_MS: '4', BATCH: '10' }, toml: { parallelism: 2 } },
    )
    nodes.push(node)
    const nodeId = await node.id()
    const q = `p${randomBytes(4).toString('hex')}`
    const r = redis.client()
    const registered = await hub.call('POST', '/api/tasks', {
      name: 'squares',
      command: ['node', CONSUMER],
      input_redis: redis.url,
      input_queue: `${q}:in`,
      output_queue: `${q}:out`,
    })
    expect(registered.status).toBe(201)
    for (let i = 0; i < ITEMS; i += 1000)
      await r.lpush(`${q}:in`, ...Array.from({ length: 1000 }, (_, j) => String(i + j)))
    await r.hincrby(`${q}:in:stats`, 'pushed', ITEMS)
    await waitFor('the first results', async () => (await r.llen(`${q}:out`)) > 0, 30_000)

    const [read, nodeToken] = await Promise.all([token('read'), token('node')])
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => {
      // The refused tokens' 401 and 403 are logged by the browser as failed loads; anything else is a problem.
      if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(e.message))
    const requested: string[] = []
    page.on('request', (req) => requested.push(req.url()))

    const res = await page.goto(hub.url)
    expect(res?.status()).toBe(200)
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'")
    expect(await page.isVisible('#login')).toBe(true)
    expect(await page.isVisible('#board')).toBe(false)

    // A token the hub does not know: refused, and nothing of the cluster is shown.
    await signIn(page, 'gct_not-a-token')
    await page.waitForSelector('#login-error:has-text("refused")')
    expect(await page.isVisible('#board')).toBe(false)
    expect(await page.$$eval('#nodes tbody tr', (rows) => rows.length)).toBe(0)
    // A node token may not read the cluster.
    await signIn(page, nodeToken)
    await page.waitForSelector('#login-error:has-text("cannot read")')
    expect(await page.isVisible('#board')).toBe(false)

    await signIn(page, read)
    await page.waitForSelector(`#nodes tbody tr[data-node="${nodeId}"]`)
    expect(await page.isVisible('#login')).toBe(false)
    const row = await page.$eval(`#nodes tbody tr[data-node="${nodeId}"]`, (tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent),
    )
    expect(row.slice(0, 10)).toEqual([
      hostname(),
      nodeId.slice(0, 8),
      '127.0.0.1',
      'x86_64',
      expect.any(String),
      'Online',
      'Running',
      '2',
      expect.stringMatching(/^\d+s ago$/),
      'squares',
    ])
    const v1 = await barValue(page, 'squares')
    // The bar moves between two refreshes (every 2 s), with items/s and an ETA.
    const v2 = await waitFor(
      'the bar to move',
      async () => {
        const v = await barValue(page, 'squares')
        return v > v1 && v
      },
      15_000,
    )
    expect(v2).toBeGreaterThan(v1)
    expect(await page.$eval('progress[data-task="squares"]', (p) => (p as HTMLProgressElement).max)).toBe(
      ITEMS,
    )
    await waitFor(
      'a rate',
      async () => /\d items\/s/.test((await page.textContent('.group .rate')) ?? ''),
      10_000,
    )
    expect(await page.textContent('.group .eta')).toMatch(/^ETA (\d+s|\d+m\d\ds|done)$/)
    expect(await page.textContent('#tasks tbody tr[data-group="default"]')).toContain('squares')

    const shot = join(dir, 'status-page.png')
    await page.screenshot({ path: shot, fullPage: true })
    const png = readFileSync(shot)
    expect(png.length).toBeGreaterThan(1000)
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    if (process.env.GRIDCORE_KEEP_SCREENSHOT) copyFileSync(shot, process.env.GRIDCORE_KEEP_SCREENSHOT)

    // The token lives in this tab's sessionStorage: a reload shows the cluster again without asking.
    await page.reload()
    await page.waitForSelector(`#nodes tbody tr[data-node="${nodeId}"]`)
    expect(await page.isVisible('#login')).toBe(false)
    expect(requested.some((u) => u.includes(read) || u.includes(TOKEN))).toBe(false)
    expect(problems).toEqual([])
    await context.close()
  })
})
