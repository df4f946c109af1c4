// gridcore push for real: formats, CRLF, stdin, ranges, invalid records, streaming memory, bad input.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { freePort } from '../helpers/ports.js'
import { startCli } from '../helpers/procs.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const t = useTestRedis()

const q = () => `p${randomBytes(4).toString('hex')}`
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const push = (args: string[], input?: string) =>
  runCli(['push', ...args, '--redis', t.redis.url, '--json'], {
    input,
    env: { GRIDCORE_HOME: join(dir, 'home') },
  })
/** Items in pop order (the order consumers see them). */
const popOrder = async (key: string) => (await t.r.lrange(key, 0, -1)).reverse()

describe('gridcore push', () => {
  it('pushes lines in order with LF or CRLF, skips empty lines, and counts pushed in the same step', async () => {
    const key = q()
    const res = await push([file('a.txt', 'one\r\ntwo\n\nthree with spaces\r\nfour'), '--queue', key])
    expect(res.code).toBe(0)
    expect(res.json).toMatchObject({
      queue: key,
      pushed: 4,
      skipped: 0,
      redis: `redis://:***@127.0.0.1:${t.redis.port}`,
    })
    expect(res.json.rate).toBeGreaterThan(0)
    expect(await popOrder(key)).toEqual(['one', 'two', 'three with spaces', 'four'])
    expect(await t.r.hget(`${key}:stats`, 'pushed')).toBe('4')
    expect(res.stdout).not.toContain(t.redis.password)
  })

  it('reads stdin with -', async () => {
    const key = q()
    const res = await push(['-', '--queue', key], 'a\nb\nc\n')
    expect(res.json.pushed).toBe(3)
    expect(await popOrder(key)).toEqual(['a', 'b', 'c'])
  })

  it('pushes ranges with a step, up or down', async () => {
    const key = q()
    expect((await push(['--range', '1..10:3', '--queue', key])).json.pushed).toBe(4)
    expect(await popOrder(key)).toEqual(['1', '4', '7', '10'])
    const down = q()
    await push(['--range', '3..-1', '--queue', down])
    expect(await popOrder(down)).toEqual(['3', '2', '1', '0', '-1'])
  })

  it('checks JSONL: strings go as plain text, other values as written', async () => {
    const key = q()
    const res = await push([
      file('a.jsonl', '{"x": 1}\r\n"plain"\n[1,2]\n\n42\n'),
      '--queue',
      key,
      '--format',
      'jsonl',
    ])
    expect(res.json.pushed).toBe(4)
    expect(await popOrder(key)).toEqual(['{"x": 1}', 'plain', '[1,2]', '42'])
  })

  it('keeps every byte of lines and stdin; text formats refuse bytes that are not UTF-8 instead of replacing them', async () => {
    const bytes = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0x80]),
      Buffer.from([0x61, 0xe2, 0x82]),
      Buffer.from('ok'),
    ]
    const raw = join(dir, 'bytes.txt')
    writeFileSync(raw, Buffer.concat(bytes.flatMap((b) => [b, Buffer.from('\n')])))
    const key = q()
    expect((await push([raw, '--queue', key])).json.pushed).toBe(4)
    expect((await t.r.lrangeBuffer(key, 0, -1)).reverse()).toEqual(bytes)
    const jsonl = join(dir, 'bad.jsonl')
    writeFileSync(
      jsonl,
      Buffer.concat([Buffer.from('"a"\n"b'), Buffer.from([0xff]), Buffer.from('"\n"c"\n')]),
    )
    const bad = await push([jsonl, '--queue', q(), '--format', 'jsonl'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toMatch(
      /^gridcore: \S+bad\.jsonl line 2: is not valid UTF-8, .* --format lines; 1 items were pushed/,
    )
    const csv = join(dir, 'bad.csv')
    writeFileSync(
      csv,
      Buffer.concat([Buffer.from('a,b\n1,2\n3,'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
    )
    const badCsv = await push([csv, '--queue', q(), '--format', 'csv'])
    expect(badCsv.code).toBe(2)
    expect(badCsv.stderr).toMatch(/line 3: is not valid UTF-8/)
  })

  it('turns the \\udcXX escapes of results --format jsonl back into the bytes they stand for', async () => {
    const key = q()
    const escaped = file('esc.jsonl', '"\\udcff\\udcfe"\n"a\\udce2\\udc82"\n"\\ud83d\\udc80"\n')
    const res = await push([escaped, '--format', 'jsonl', '--queue', key])
    expect(res.json.pushed).toBe(3)
    expect((await t.r.lrangeBuffer(key, 0, -1)).reverse()).toEqual([
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0x61, 0xe2, 0x82]),
      Buffer.from('\u{1F480}'),
    ])
  })

  it('stops at an invalid JSONL line with its number and the count pushed, or skips with --skip-invalid', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ i }))
    lines.splice(2100, 0, '{"broken": ')
    const path = file('bad.jsonl', `${lines.join('\n')}\n`)
    const key = q()
    const res = await push([path, '--queue', key, '--format', 'jsonl'])
    expect(res.code).toBe(2)
    expect(res.stderr.trim().split('\n')).toHaveLength(1)
    expect(res.stderr).toMatch(
      /line 2101: not valid JSON .*2100 items were pushed before it: fix the record or pass --skip-invalid/,
    )
    expect(res.json.error).toMatchObject({ code: 'INPUT', pushed: 2100 })
    expect(await t.r.llen(key)).toBe(2100)
    const skip = q()
    const ok = await push([path, '--queue', skip, '--format', 'jsonl', '--skip-invalid'])
    expect(ok.json).toMatchObject({ pushed: 2500, skipped: 1 })
  })

  it('turns CSV rows into JSON objects keyed by the header (quotes, commas, newlines, CRLF, BOM)', async () => {
    const key = q()
    const csv = '\uFEFFid,name,note\r\n1,Ada,"likes ""math"", a lot"\r\n2,Bob,"two\nlines"\r\n3,Cy,\r\n'
    const res = await push([file('a.csv', csv), '--queue', key, '--format', 'csv'])
    expect(res.json.pushed).toBe(3)
    expect((await popOrder(key)).map((x) => JSON.parse(x))).toEqual([
      { id: '1', name: 'Ada', note: 'likes "math", a lot' },
      { id: '2', name: 'Bob', note: 'two\nlines' },
      { id: '3', name: 'Cy', note: '' },
    ])
    const bad = await push([file('bad.csv', 'a,b\n1,2\n3\n'), '--queue', q(), '--format', 'csv'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/line 3: has 1 fields where the header has 2/)
  })

  it('reads a JSON array element by element', async () => {
    const key = q()
    const res = await push([
      file('a.json', '[\n  "a",\n  {"b": [1, "]"]},\n  3\n]\n'),
      '--queue',
      key,
      '--format',
      'json',
    ])
    expect(res.json.pushed).toBe(3)
    expect(await popOrder(key)).toEqual(['a', '{"b":[1,"]"]}', '3'])
    const bad = await push([file('b.json', '[1, {oops}, 3]'), '--queue', q(), '--format', 'json'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/line 1: not valid JSON/)
    const notArray = await push([file('c.json', '{"a":1}'), '--queue', q(), '--format', 'json'])
    expect(notArray.stderr).toMatch(/not a JSON array/)
  })

  it('streams: 3,000,000 lines with a flat memory profile', async () => {
    const key = q()
    const path = join(dir, 'big.txt')
    writeFileSync(path, `${Array.from({ length: 3_000_000 }, (_, i) => i).join('\n')}\n`)
    const p = startCli(['push', path, '--redis', t.redis.url, '--queue', key, '--json'])
    let peakKb = 0
    while (p.child.exitCode === null) {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p.child.pid}/status`, 'utf8'))
        if (m) peakKb = Math.max(peakKb, Number(m[1]))
      } catch {}
      await new Promise((res) => setTimeout(res, 20))
    }
    await p.exited
    expect(JSON.parse(p.out()).pushed).toBe(3_000_000)
    expect(await t.r.llen(key)).toBe(3_000_000)
    expect(peakKb / 1024).toBeLessThan(150)
    await t.r.del(key)
  })
})

describe('gridcore push: bad input', () => {
  const cases: [string, () => Promise<string[]>, number, RegExp][] = [
    [
      'missing file',
      async () => [join(dir, 'nope.txt'), '--queue', 'x'],
      2,
      /input file .*nope\.txt does not exist/,
    ],
    [
      'a directory',
      async () => {
        mkdirSync(join(dir, 'adir'), { recursive: true })
        return [join(dir, 'adir'), '--queue', 'x']
      },
      2,
      /is a directory/,
    ],
    ['bad range', async () => ['--range', '1..', '--queue', 'x'], 2, /--range "1\.\." is not a range/],
    [
      'range that never ends',
      async () => ['--range', '1..10:-1', '--queue', 'x'],
      2,
      /never reaches its end/,
    ],
    ['nothing to push', async () => ['--queue', 'x'], 2, /nothing to push/],
    [
      'bad Redis URL',
      async () => ['--range', '1..2', '--queue', 'x', '--redis', 'http://h:1'],
      2,
      /must start with redis:\/\//,
    ],
    [
      'wrong password',
      async () => ['--range', '1..2', '--queue', 'x', '--redis', `redis://:nope@127.0.0.1:${t.redis.port}`],
      5,
      /WRONGPASS/,
    ],
    [
      'no password',
      async () => ['--range', '1..2', '--queue', 'x', '--redis', `redis://127.0.0.1:${t.redis.port}`],
      5,
      /NOAUTH/,
    ],
    [
      'Redis down',
      async () => ['--range', '1..2', '--queue', 'x', '--redis', `redis://:pw@127.0.0.1:${await freePort()}`],
      7,
      /cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    ],
    [
      'a queue holding a non-list key',
      async () => {
        await t.r.set('not-a-list', 'x')
        return ['--range', '1..5', '--queue', 'not-a-list']
      },
      7,
      /"not-a-list" holds a value that is not a list \(WRONGTYPE\)/,
    ],
  ]
  it.each(cases)('%s', async (_n, args, code, pattern) => {
    const a = await args()
    const res = await runCli(['push', ...a, ...(a.includes('--redis') ? [] : ['--redis', t.redis.url])], {
      env: { GRIDCORE_HOME: join(dir, 'home') },
    })
    expect(res.code, res.stderr).toBe(code)
    const lines = res.stderr.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(pattern)
    expect(res.stderr).not.toContain(t.redis.password)
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})
