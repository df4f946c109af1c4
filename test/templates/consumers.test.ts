// Each template's consumer, run for real against redis-server: 10,000 items, SIGKILL mid-batch,
// graceful SIGTERM, fail-fast start — nothing lost, nothing committed twice.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queueKeys } from '../../src/queue/keys.js'
import { listRecords, snapshot } from '../../src/queue/ops.js'
import { scaffold, type TemplateName } from '../../src/templates/scaffold.js'
import { runCli } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import { sleep, start } from '../helpers/procs.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let redis: TestRedis
let r: Redis

/** How to run each template's consumer, and a user's edit of handle() that makes each item take a little while. */
const T: Record<TemplateName, { cmd: (d: string) => string[]; file: string; slow: (src: string) => string }> =
  {
    python: {
      cmd: (d) => ['/usr/bin/python3', '-u', join(d, 'consumer.py')],
      file: 'task.py',
      slow: (s) =>
        s.replace('    n = float(item)', '    import time\n    time.sleep(0.0003)\n    n = float(item)'),
    },
    node: {
      cmd: (d) => [process.execPath, join(d, 'consumer.mjs')],
      file: 'task.mjs',
      slow: (s) =>
        s.replace(
          'export function handle(item) {',
          'export async function handle(item) {\n  if (Number(item) % 4 === 0) await new Promise((r) => setTimeout(r, 1))',
        ),
    },
    rust: {
      cmd: (d) => [join(d, 'target', 'release', 'consumer')],
      file: 'src/task.rs',
      slow: (s) =>
        s.replace(
          'pub fn handle(item: &str) -> Result<String, String> {',
          'pub fn handle(item: &str) -> Result<String, String> {\n    std::thread::sleep(std::time::Duration::from_micros(300));',
        ),
    },
  }

beforeAll(async () => {
  redis = await startTestRedis()
  r = redis.client()
  for (const t of Object.keys(T) as TemplateName[]) {
    const d = join(dir, t)
    scaffold({ template: t, name: `tpl-${t}`, dir: d })
    const f = join(d, T[t].file)
    const edited = T[t].slow(readFileSync(f, 'utf8'))
    expect(edited).not.toBe(readFileSync(f, 'utf8'))
    writeFileSync(f, edited)
    if (t === 'rust')
      // -D warnings: the template compiles without a single warning.
      execFileSync('cargo', ['build', '--release', '--offline', '--quiet'], {
        cwd: d,
        stdio: 'inherit',
        env: { ...process.env, RUSTFLAGS: '-D warnings' },
      })
  }
}, 180_000)
afterAll(() => redis.stop())

const names = () => {
  const p = `tp${randomBytes(4).toString('hex')}`
  return { input: `${p}:in`, output: `${p}:out` }
}
function run(t: TemplateName, q: { input: string; output: string }, extra: Record<string, string> = {}) {
  const [cmd, ...args] = T[t].cmd(join(dir, t))
  return start(cmd!, args, {
    INPUT_REDIS_URL: redis.url,
    OUTPUT_REDIS_URL: redis.url,
    INPUT_QUEUE: q.input,
    OUTPUT_QUEUE: q.output,
    NODE_ID: 'tpl',
    INSTANCE_ID: '0',
    GRIDCORE_BATCH: '50',
    ...extra,
  })
}

describe.each(['python', 'node', 'rust'] as TemplateName[])('the %s template', (t) => {
  it('processes 10,000 items exactly once through 5 SIGKILLs mid-batch', async () => {
    const q = names()
    expect(
      (await runCli(['push', '--range', '1..10000', '--redis', redis.url, '--queue', q.input])).code,
    ).toBe(0)
    for (let kill = 0; kill < 5; kill++) {
      const c = run(t, q)
      await sleep(400 + Math.random() * 200)
      c.child.kill('SIGKILL')
      await c.exited
    }
    const before = await snapshot(r, queueKeys(q.input, q.output))
    expect(before.stats.done).toBeLessThan(10_000)
    const last = run(t, q, { GRIDCORE_IDLE_EXIT_S: '0.5' })
    expect((await last.exited).code).toBe(0)
    const results = (await r.lrange(q.output, 0, -1)).map((x) => x.split(':')[0]!)
    const dead = (await listRecords(r, `${q.input}:dead`, 100_000)).map((d) => d.item)
    expect(new Set(results).size).toBe(results.length)
    expect(new Set([...results, ...dead]).size).toBe(10_000)
    expect(results.length + dead.length).toBe(10_000)
    expect((await r.lrange(q.output, -1, -1))[0]).toMatch(/^\d+:\d+(\.\d+)?$/)
    // The contribution ledger credits the node (NODE_ID "tpl") with exactly what it committed.
    expect(await r.hgetall(queueKeys(q.input, q.output).ledger)).toEqual({
      'tpl:done': String(results.length),
    })
  }, 90_000)

  it('on SIGTERM finishes the item in hand, commits, hands the rest back and exits 0', async () => {
    const q = names()
    await runCli(['push', '--range', '1..5000', '--redis', redis.url, '--queue', q.input])
    const c = run(t, q, { GRIDCORE_BATCH: '500' })
    await sleep(700)
    c.child.kill('SIGTERM')
    const { code } = await c.exited
    expect(code).toBe(0)
    const s = await snapshot(r, queueKeys(q.input, q.output))
    expect(s.processing).toBe(0)
    expect(s.stats.done).toBeGreaterThan(0)
    expect(s.input + s.stats.done!).toBe(5000)
    expect(await r.hlen(`${q.input}:attempts`)).toBe(0)
  }, 30_000)

  it('pushes results to a separate output Redis, and lists an item its hook fails', async () => {
    const q = names()
    const outUrl = `${redis.url}/1` // another URL, so the consumer treats it as another Redis
    const out = redis.client()
    await out.select(1)
    await runCli(['push', '--range', '1..500', '--redis', redis.url, '--queue', q.input])
    await r.lpush(q.input, 'not-a-number')
    const c = run(t, q, { OUTPUT_REDIS_URL: outUrl, GRIDCORE_IDLE_EXIT_S: '0.5' })
    expect((await c.exited).code, c.err()).toBe(0)
    const results = (await out.lrange(q.output, 0, -1)).map((x) => x.split(':')[0]!)
    expect(new Set(results).size).toBe(500)
    expect(await r.llen(q.output)).toBe(0)
    const failed = await listRecords(r, `${q.input}:failed`, 10)
    expect(failed.map((f) => f.item)).toEqual(['not-a-number'])
    const s = await snapshot(r, queueKeys(q.input, q.output), out)
    expect(s.processing).toBe(0)
    expect(s.stats).toMatchObject({ done: 500, failed: 1 })
    expect(await r.hgetall(queueKeys(q.input, q.output).ledger)).toEqual({
      'tpl:done': '500',
      'tpl:failed': '1',
    })
    out.disconnect()
  })

  it('fails fast with a JSON error line when INPUT_REDIS_URL is missing or Redis does not answer', async () => {
    const q = names()
    const noUrl = run(t, q, { INPUT_REDIS_URL: '' })
    expect((await noUrl.exited).code).toBe(1)
    expect(JSON.parse(noUrl.err().trim())).toEqual({ error: 'INPUT_REDIS_URL not set' })
    const down = run(t, q, { INPUT_REDIS_URL: `redis://127.0.0.1:${await freePort()}`, OUTPUT_REDIS_URL: '' })
    expect((await down.exited).code).toBe(1)
    expect(JSON.parse(down.err().trim()).error).toMatch(/^Redis connection failed/)
  })
})

describe('the python template', () => {
  it('connects to nothing at import time, and without the redis package says so in one JSON line', async () => {
    const d = join(dir, 'python')
    const importIt = `import sys; sys.path[:0] = [${JSON.stringify(d)}]; import consumer`
    const imported = start('/usr/bin/python3', ['-c', importIt], { INPUT_REDIS_URL: '' })
    expect((await imported.exited).code, imported.err()).toBe(0)
    expect(imported.err()).toBe('')
    // -S: no site-packages, so no redis package; the consumer must say so before anything else.
    const bare = start('/usr/bin/python3', ['-S', '-u', join(d, 'consumer.py')], { INPUT_REDIS_URL: '' })
    expect((await bare.exited).code).toBe(1)
    expect(JSON.parse(bare.err().trim()).error).toMatch(
      /^the redis package is missing: pip install -r requirements\.txt/,
    )
  })
})

describe("the node template's hook", () => {
  it("leaves Node's global process alone: the hook reads process.env.TASK_NAME", async () => {
    const d = join(dir, 'node-env')
    scaffold({ template: 'node', name: 'env-task', dir: d })
    const f = join(d, 'task.mjs')
    // The user's edit: only the body of the template's hook changes, its signature stays as scaffolded.
    const edited = readFileSync(f, 'utf8').replace(
      /^ {2}return .*$/m,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the JavaScript source written to task.mjs
      '  return `${process.env.TASK_NAME}:${item}`',
    )
    expect(edited).toContain('process.env.TASK_NAME')
    writeFileSync(f, edited)
    const q = names()
    await r.lpush(q.input, '1', '4', '9')
    const c = start(process.execPath, [join(d, 'consumer.mjs')], {
      INPUT_REDIS_URL: redis.url,
      INPUT_QUEUE: q.input,
      OUTPUT_QUEUE: q.output,
      TASK_NAME: 'squares',
      GRIDCORE_IDLE_EXIT_S: '0.3',
    })
    expect((await c.exited).code, c.err()).toBe(0)
    expect((await r.lrange(q.output, 0, -1)).sort()).toEqual(['squares:1', 'squares:4', 'squares:9'])
    expect(await r.llen(`${q.input}:failed`)).toBe(0)
  })
})

describe('gridcore init', () => {
  it('scaffolds a template with the protocol scripts and refuses to overwrite without --force', async () => {
    const d = join(dir, 'init-py')
    const a = await runCli(['init', '--template', 'python', '--name', 'sqrt', '--dir', d, '--json'])
    expect(a.code).toBe(0)
    expect(a.json).toMatchObject({ template: 'python', name: 'sqrt', dir: d, edit: join(d, 'task.py') })
    expect(a.json.files.sort()).toEqual(
      [
        'Dockerfile',
        '.dockerignore',
        '.flake8',
        'requirements.txt',
        'README.md',
        'consumer.py',
        'entrypoint.sh',
        'task.py',
        ...['collect', 'commit', 'recover', 'renew', 'retry', 'take'].map((n) => `lua/${n}.lua`),
      ].sort(),
    )
    expect(readFileSync(join(d, 'Dockerfile'), 'utf8')).toMatch(/^ENTRYPOINT \["\/app\/entrypoint\.sh"\]$/m)
    expect(readFileSync(join(d, 'Dockerfile'), 'utf8')).not.toMatch(/^CMD/m)
    writeFileSync(join(d, 'task.py'), '# edited\n')
    const again = await runCli(['init', '--template', 'python', '--name', 'sqrt', '--dir', d])
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/is not empty: pass --force/)
    expect(readFileSync(join(d, 'task.py'), 'utf8')).toBe('# edited\n')
    const forced = await runCli(['init', '--template', 'python', '--name', 'sqrt', '--dir', d, '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(join(d, 'task.py'), 'utf8')).toContain('def handle(item: str) -> str:')
    const bad = await runCli(['init', '--template', 'cobol', '--dir', join(dir, 'x')])
    expect(bad.code).toBe(2)
    const badName = await runCli([
      'init',
      '--template',
      'node',
      '--name',
      'Bad Name',
      '--dir',
      join(dir, 'y'),
    ])
    expect(badName.stderr).toMatch(/task name "Bad Name" is not valid/)
  })
})
