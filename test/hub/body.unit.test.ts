// Body readers: serde's types and messages, the additive fields' shapes, and bounds on what is kept.
import { describe, expect, it } from 'vitest'
import { BodyRejection, contentTypeRejection, parseJsonBody } from '../../src/hub/body.js'
import { readTaskRequest } from '../../src/hub/body-control.js'
import { MAX_REPORT_MESSAGE_BYTES, readHeartbeat, readRegister } from '../../src/hub/body-nodes.js'

const parse = (v: unknown) => parseJsonBody(typeof v === 'string' ? v : JSON.stringify(v))
function rejection(fn: () => unknown): BodyRejection {
  try {
    fn()
  } catch (err) {
    if (err instanceof BodyRejection) return err
    throw err
  }
  throw new Error('no rejection')
}
const report = {
  task: 't',
  message: 'Traceback …\nModuleNotFoundError',
  exit_code: 1,
  signal: null,
  failed_instances: 2,
  log_path: '/tmp/t.log',
  at: '2026-01-01T00:00:00Z',
}
const hb = (extra: Record<string, unknown>) => ({
  node_id: 'n',
  status: 'Error',
  active_containers: 0,
  ...extra,
})

describe('content type and syntax', () => {
  it('wants application/json or +json, as axum', () => {
    for (const ok of ['application/json', 'Application/JSON; charset=utf-8', 'application/problem+json']) {
      expect(contentTypeRejection(ok), ok).toBeNull()
    }
    for (const bad of [undefined, '', 'text/plain', 'application/jsonx', 'text/json']) {
      expect(contentTypeRejection(bad)?.status, String(bad)).toBe(415)
    }
  })

  it('refuses bytes that are not UTF-8 and bodies that are not objects', () => {
    expect(rejection(() => parseJsonBody(Uint8Array.from([0x7b, 0xff, 0x7d]))).status).toBe(400)
    expect(rejection(() => parse('"x"')).message).toBe(
      'Failed to deserialize the JSON body into the target type: invalid type: string "x", expected a JSON object',
    )
  })
})

describe('readTaskRequest', () => {
  it('reads upstream fields and gridcore’s, dropping nulls', () => {
    expect(
      readTaskRequest(
        parse({
          name: 'n',
          image: null,
          images: { a: 'b' },
          command: ['x'],
          shell: false,
          cwd: '/w',
          unique: true,
        }),
      ),
    ).toEqual({ name: 'n', images: { a: 'b' }, command: ['x'], shell: false, cwd: '/w', unique: true })
  })

  it('reads gpus: a count or "all"; null is none', () => {
    expect(readTaskRequest(parse({ name: 'n', image: 'i', gpus: 2 })).gpus).toBe(2)
    expect(readTaskRequest(parse({ name: 'n', image: 'i', gpus: 'all' })).gpus).toBe('all')
    expect(readTaskRequest(parse({ name: 'n', image: 'i', gpus: null }))).not.toHaveProperty('gpus')
  })

  it.each([
    [{ name: 'n', images: ['x'] }, 'images: invalid type: sequence, expected a map'],
    [{ name: 'n', images: { a: 1 } }, 'images.a: invalid type: integer `1`, expected a string'],
    [{ name: 'n', images: { a: null } }, 'images.a: invalid type: null, expected a string'],
    [{ name: 'n', image: 2.5 }, 'image: invalid type: floating point `2.5`, expected a string'],
    [{ name: 'n', command: [] }, 'command: expected a non-empty array of strings or a string'],
    [{ name: 'n', command: ['a', 1] }, 'command: expected a non-empty array of strings or a string'],
    [{ name: 'n', shell: 'yes' }, 'shell: invalid type: string "yes", expected a boolean'],
    [{ name: 'n', unique: 1 }, 'unique: invalid type: integer `1`, expected a boolean'],
    [{ name: '', unique: true }, 'name: must not be empty when `unique` is true'],
    [{ name: 'n', gpus: 0 }, 'gpus: expected a count from 1 to 1024 or "all", got integer `0`'],
    [{ name: 'n', gpus: 1.5 }, 'gpus: expected a count from 1 to 1024 or "all", got floating point `1.5`'],
    [{ name: 'n', gpus: 'some' }, 'gpus: expected a count from 1 to 1024 or "all", got string "some"'],
    [{ name: 'n', gpus: 2000 }, 'gpus: expected a count from 1 to 1024 or "all"'],
  ])('refuses %j with 422', (body, message) => {
    const r = rejection(() => readTaskRequest(parse(body)))
    expect(r.status).toBe(422)
    expect(r.message).toContain(message)
  })
})

describe('readRegister', () => {
  it('reads capabilities as a list of strings, keeping unknown values', () => {
    const base = { hostname: 'h', architecture: 'x86_64', cpu_count: 1 }
    expect(readRegister(parse(base))).not.toHaveProperty('capabilities')
    expect(readRegister(parse({ ...base, capabilities: null }))).not.toHaveProperty('capabilities')
    expect(readRegister(parse({ ...base, capabilities: ['command', 'gpu'] })).capabilities).toEqual([
      'command',
      'gpu',
    ])
    expect(rejection(() => readRegister(parse({ ...base, capabilities: 'image' }))).message).toContain(
      'capabilities: invalid type: string "image", expected a sequence',
    )
    expect(rejection(() => readRegister(parse({ ...base, capabilities: ['image', 3] }))).message).toContain(
      'capabilities[1]: invalid type: integer `3`, expected a string',
    )
  })

  it('reads the GPUs a node found (u32), absent or null as none', () => {
    const base = { hostname: 'h', architecture: 'x86_64', cpu_count: 1 }
    expect(readRegister(parse({ ...base, gpus: 4 })).gpus).toBe(4)
    expect(readRegister(parse({ ...base, gpus: null }))).not.toHaveProperty('gpus')
    expect(rejection(() => readRegister(parse({ ...base, gpus: -1 }))).message).toContain(
      'gpus: invalid value: integer `-1`, expected u32',
    )
  })
})

describe('readHeartbeat', () => {
  it('reads runtime_error: absent, null, or a full report', () => {
    expect(readHeartbeat(parse(hb({})))).not.toHaveProperty('runtime_error')
    expect(readHeartbeat(parse(hb({ runtime_error: null }))).runtime_error).toBeNull()
    expect(readHeartbeat(parse(hb({ runtime_error: report }))).runtime_error).toEqual(report)
    const killed = { ...report, exit_code: null, signal: 'SIGKILL', log_path: null }
    expect(readHeartbeat(parse(hb({ runtime_error: killed }))).runtime_error).toEqual(killed)
    expect(
      readHeartbeat(parse(hb({ runtime_error: { ...report, exit_code: -1, extra: 1 } }))).runtime_error,
    ).toEqual({
      ...report,
      exit_code: -1,
    })
  })

  it.each([
    [{ runtime_error: 'boom' }, 'runtime_error: invalid type: string "boom", expected a map'],
    [{ runtime_error: { ...report, task: undefined } }, 'missing field `task`'],
    [{ runtime_error: { ...report, message: 5 } }, 'runtime_error.message: invalid type: integer `5`'],
    [
      JSON.stringify(hb({ runtime_error: report })).replace('"exit_code":1,', '"exit_code":1.0,'),
      'runtime_error.exit_code: invalid type: floating point `1.0`, expected i32',
    ],
    [{ runtime_error: { ...report, failed_instances: -1 } }, 'runtime_error.failed_instances: invalid value'],
    [{ runtime_error: { ...report, at: 'yesterday' } }, 'runtime_error.at: expected an RFC 3339 time'],
    [{ runtime_error: { ...report, signal: 9 } }, 'runtime_error.signal: invalid type: integer `9`'],
  ])('refuses %j with 422', (extra, message) => {
    const r = rejection(() => readHeartbeat(parse(typeof extra === 'string' ? extra : hb(extra))))
    expect(r.status).toBe(422)
    expect(r.message).toContain(message)
  })

  it('keeps only the last 4096 bytes of a long message, cut at a character boundary', () => {
    const long = `${'é'.repeat(5000)}\nthe last line`
    const kept = readHeartbeat(parse(hb({ runtime_error: { ...report, message: long } }))).runtime_error!
      .message
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_REPORT_MESSAGE_BYTES)
    expect(Buffer.byteLength(kept)).toBeGreaterThan(MAX_REPORT_MESSAGE_BYTES - 2)
    expect(kept.endsWith('\nthe last line')).toBe(true)
    expect(kept).not.toContain('\ufffd')
  })
})
