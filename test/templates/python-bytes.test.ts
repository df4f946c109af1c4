// The Python template moves batches as JSON text with surrogate escapes: items that are not UTF-8 reach handle()
// and come back byte for byte, and a result with a quote, a backslash or a newline is kept as it is.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { scaffold } from '../../src/templates/scaffold.js'
import { start } from '../helpers/procs.js'
import { queueNames } from '../helpers/queues.js'
import { useTestRedis } from '../helpers/redis.js'
import { tempDir } from '../helpers/tmp.js'

const t = useTestRedis()
const dir = tempDir()

describe('the python template and bytes', () => {
  it('hands items that are not UTF-8 to handle() and commits their results byte for byte', async () => {
    const d = join(dir, 'py')
    scaffold({ template: 'python', name: 'bytes', dir: d })
    writeFileSync(
      join(d, 'task.py'),
      'def handle(item: str) -> str:\n    return "<" + item + \'"\\\\\\n>\'\n',
    )
    const q = queueNames('pyb')
    const items = [Buffer.from([0xff, 0xfe]), Buffer.from('plain ✓'), Buffer.from([0x61, 0xe2, 0x82])]
    await t.r.lpush(q.input, ...items)
    const c = start('/usr/bin/python3', ['-u', join(d, 'consumer.py')], {
      INPUT_REDIS_URL: t.redis.url,
      INPUT_QUEUE: q.input,
      OUTPUT_QUEUE: q.output,
      GRIDCORE_IDLE_EXIT_S: '0.3',
    })
    expect((await c.exited).code, c.err()).toBe(0)
    const got = (await t.r.lrangeBuffer(q.output, 0, -1)).map((b) => b.toString('hex')).sort()
    const want = items
      .map((i) => Buffer.concat([Buffer.from('<'), i, Buffer.from('"\\\n>')]).toString('hex'))
      .sort()
    expect(got).toEqual(want)
    expect(await t.r.llen(`${q.input}:failed`)).toBe(0)
  })
})
