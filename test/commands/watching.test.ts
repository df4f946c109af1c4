// Watching a cluster as a new user would (issue 15's "done when"): `gridcore up` plus a second node, then a
// 100,000-item `gridcore run` whose filter is deliberately broken on a few items. While it runs, from other
// processes: the status page (headless Chromium) shows the bar moving and each node's items done, /metrics shows
// items done rising, and `gridcore logs` shows the filter's error text; after it, `gridcore node list` credits each
// node with its share. The filter runs slowly while a file exists, so the run outlasts the looking on a loaded
// machine whatever its speed; the test removes the file once it has seen what it came for, and the run finishes.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { paths } from '../../src/lib/paths.js'
import { launchChromium } from '../helpers/chromium.js'
import { runCli } from '../helpers/cli.js'
import { type NodeProc, startNodeProc, stopNodes, waitFor } from '../helpers/node.js'
import { freePort } from '../helpers/ports.js'
import { startCli } from '../helpers/procs.js'
import { parsePrometheus, sampleValue } from '../helpers/prom.js'
import { tempDir } from '../helpers/tmp.js'

const ITEMS = 100_000
const dir = tempDir()
const home = join(dir, 'home')
const env = { GRIDCORE_HOME: home, GRIDCORE_CLUSTER: undefined, NO_COLOR: '1' }
const gc = (args: string[], timeoutMs = 60_000) => runCli(args, { env, timeoutMs })
const nodes: NodeProc[] = []
afterAll(async () => {
  await stopNodes(nodes)
  await gc(['down'])
})

// A user's filter with a bug: items 777 and 50,777 raise (one early, one half-way). It takes 2 ms an item while
// the file SLOW names exists (about 2,000 items/s over the cluster's 4 instances), no time once it is gone.
const FILTER = `import os, sys, time
slow = sys.argv[1]
for line in sys.stdin:
    n = int(line)
    if n % 50000 == 777:
        raise ValueError(f"cannot square item {n}: deliberately broken")
    if os.path.exists(slow):
        time.sleep(0.002)
    print(n * n, flush=True)
`

describe('watching a 100,000-item run', () => {
  it('shows the bar moving, items done rising, the broken command’s error and each node’s share', async () => {
    const [hubPort, redisPort] = [await freePort(), await freePort()]
    const up = await gc([
      'up',
      '--runtime',
      'process',
      '--parallelism',
      '2',
      '--hub-port',
      String(hubPort),
      '--redis-port',
      String(redisPort),
      '--json',
    ])
    expect(up.code, up.stderr).toBe(0)
    const hubUrl: string = up.json.hub_url
    // A second machine's node, joined with the same token (a copy of the local node's config without its id).
    const p = paths({ GRIDCORE_HOME: home })
    const toml = readFileSync(join(p.upstreamConfigDir, 'gridnode.toml'), 'utf8').replace(/^node_id.*$/m, '')
    const second = join(dir, 'second.toml')
    writeFileSync(second, toml)
    nodes.push(startNodeProc(dir, { url: hubUrl, token: '' }, { config: second }))
    await nodes[0]!.id()
    const read = (await gc(['token', 'create', '--role', 'read', '--name', 'watcher', '--json'])).json
      .token as string
    expect(read).toBeTruthy()

    const filter = join(dir, 'square.py')
    writeFileSync(filter, FILTER)
    const slow = join(dir, 'slow')
    writeFileSync(slow, '')
    const output = join(dir, 'squares.txt')
    const run = startCli(
      [
        'run',
        '--name',
        'squares',
        '--command',
        `python3 -u ${filter} ${slow}`,
        '--range',
        `1..${ITEMS}`,
        '--output',
        output,
        '--json',
      ],
      env,
    )
    const scrape = async () => {
      const res = await fetch(`${hubUrl}/metrics`, { headers: { authorization: `Bearer ${read}` } })
      expect(res.status).toBe(200)
      const m = parsePrometheus(await res.text())
      try {
        return sampleValue(m, 'gridcore_task_items_total', { task: 'squares', state: 'done' })
      } catch {
        return 0 // not registered or not read yet
      }
    }
    await waitFor('items done on /metrics', async () => (await scrape()) > 0, 60_000)

    // The status page, signed in with the read token, in headless Chromium.
    const browser = await launchChromium()
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage()
      await page.goto(hubUrl)
      await page.fill('#token', read)
      await page.click('#login button[type=submit]')
      await page.waitForSelector('progress[data-task="squares"]', { timeout: 30_000 })
      const bar = () => page.$eval('progress[data-task="squares"]', (e) => (e as HTMLProgressElement).value)
      const before = await bar()
      const metricsBefore = await scrape()
      await waitFor('the bar to move', async () => (await bar()) > before, 20_000)
      await waitFor('items done to rise on /metrics', async () => (await scrape()) > metricsBefore, 20_000)
      // Each node's row counts the items it committed to the task, both rising from zero.
      const credited = () =>
        page.$$eval('#nodes tbody tr', (rows) =>
          rows.map((r) => Number(r.querySelector('td.done')?.textContent?.replace(/\D/g, '') || 0)),
        )
      await waitFor('both nodes credited on the page', async () => {
        const c = await credited()
        return c.length === 2 && c.every((n) => n > 0)
      })
      const shot = join(dir, 'run.png')
      await page.screenshot({ path: shot })
      expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG')
      if (process.env.GRIDCORE_KEEP_SCREENSHOT) copyFileSync(shot, process.env.GRIDCORE_KEEP_SCREENSHOT)
    } finally {
      await browser.close()
    }

    // From another process, while it runs: the broken filter's error text.
    const broken = await waitFor(
      'the filter’s error in gridcore logs',
      async () => {
        const logs = await gc(['logs', '--task', 'squares', '--json', '--tail', '10000'])
        expect(logs.code, logs.stderr).toBe(0)
        const lines = logs.stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
        return lines.find((l) => l.text.startsWith('ValueError: cannot square item'))
      },
      60_000,
    )
    expect(broken).toMatchObject({
      task: 'squares',
      text: 'ValueError: cannot square item 777: deliberately broken',
    })
    expect(run.child.exitCode).toBeNull() // all of it seen while the run runs
    rmSync(slow)

    const end = await run.exited
    expect(end.code, run.err()).toBe(10) // two items failed: the run says so
    const summary = JSON.parse(run.out())
    expect(summary).toMatchObject({ items: ITEMS, done: ITEMS - 2, failed: 2 })

    // Each node credited with its share of what was committed. The hub reads the ledger at most once per
    // --stats-interval (2 s), so a list asked for at once may show the read before the run's last commits.
    type Share = { done: number; failed: number }
    const shares = await waitFor(
      'the ledger to hold every item',
      async () => {
        const listed = await gc(['node', 'list', '--task', 'squares', '--json'])
        expect(listed.code, listed.stderr).toBe(0)
        expect(listed.json.nodes).toHaveLength(2)
        const s: Share[] = listed.json.nodes.map((n: { ledger: Share }) => n.ledger)
        return s.reduce((a, x) => a + x.done + x.failed, 0) === ITEMS && s
      },
      15_000,
    )
    expect(shares.reduce((a: number, s: { done: number }) => a + s.done, 0)).toBe(ITEMS - 2)
    expect(shares.reduce((a: number, s: { failed: number }) => a + s.failed, 0)).toBe(2)
    for (const s of shares) expect(s.done).toBeGreaterThan(0)
  }, 240_000)
})
