// The ora spinner on a real pseudo-terminal: shown while connect checks the cluster, never under --json,
// NO_COLOR or a terminal that reports no width (where ora would clear lines without end).
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let hub: TestHub
beforeAll(async () => {
  hub = await startTestHub({ dir })
})
afterAll(async () => {
  await hub.stop()
})

/** Runs `gridcore connect` under script(1), so stdout and stderr are a terminal `cols` wide. */
function onTerminal(cols: number, extra: string[], env: Record<string, string> = {}) {
  const args = ['connect', '--name', 'p', '--hub', hub.url, '--token', hub.token, ...extra]
  const cmd = `stty cols ${cols} rows 40; exec ${process.execPath} ${BIN} ${args.map((a) => `'${a}'`).join(' ')}`
  const { CI: _ci, NO_COLOR: _nc, ...inherited } = process.env
  const child = spawn('script', ['-qec', cmd, '/dev/null'], {
    env: { ...inherited, GRIDCORE_HOME: join(dir, `home-${cols}-${extra.length}`), TERM: 'xterm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d) => {
    out += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    }),
  )
}

describe('spinner', () => {
  it('spins while connect checks the cluster, then clears its line', async () => {
    const r = await onTerminal(100, [])
    expect(r.code).toBe(0)
    expect(r.out).toContain('checking the cluster')
    expect(r.out).toContain('\u001b[?25h') // the cursor is shown again
    expect(r.out).toContain('Saved cluster "p"')
  })

  it.each([
    ['--json', 100, ['--json'], {}],
    ['NO_COLOR', 100, [], { NO_COLOR: '1' }],
    ['a terminal with no width', 0, [], {}],
  ])('stays off with %s', async (_name, cols, extra, env) => {
    const r = await onTerminal(cols as number, extra as string[], env)
    expect(r.code).toBe(0)
    expect(r.out).not.toContain('checking the cluster')
    expect(r.out.length).toBeLessThan(2_000)
  })
})
