// Run records on disk: safe file names, atomic writes, newest first, unreadable files named, the holder check.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { paths } from '../../../src/lib/paths.js'
import { newRecord, runCommandFor, writerAlive } from '../../../src/run/records/record.js'
import {
  listRecords,
  markCancelled,
  readRecord,
  recordByInputQueue,
  recordPath,
  runsDir,
  writeRecord,
} from '../../../src/run/records/store.js'
import { tempDir } from '../../helpers/tmp.js'

const p = () => paths({ GRIDCORE_HOME: tempDir() })
const rec = (task: string, started: string) => ({
  ...newRecord({
    task,
    cluster: 'local',
    hub: 'http://127.0.0.1:1',
    redis: 'redis://:***@h:1',
    queues: { input: `gridcore:${task}:in`, output: `gridcore:${task}:out` },
    input: { kind: 'range', range: '1..10' },
    output: '/tmp/out.txt',
    outputFormat: 'raw',
    what: { command: 'cat', itemTimeoutMs: 30_000 },
    cwd: '/tmp',
  }),
  started,
})

describe('run records', () => {
  it('writes state/runs/<task>.json in a private dir and reads it back; names are made safe for files', () => {
    const paths_ = p()
    const r = rec('run-1', '2026-01-01T00:00:00Z')
    writeRecord(r, paths_)
    expect(readRecord('run-1', paths_)).toEqual(r)
    expect(statSync(runsDir(paths_)).mode & 0o777).toBe(0o700)
    expect(recordPath('a/b c', paths_)).toBe(join(runsDir(paths_), 'a%2Fb%20c.json'))
    expect(recordPath('..', paths_)).toBe(join(runsDir(paths_), '%2E..json'))
    expect(readRecord('nope', paths_)).toBeUndefined()
    expect(r).toMatchObject({ command: 'cat', consumer: null, item_timeout_s: 30, status: 'running' })
  })

  it('lists newest first, names files that are not records, and finds a run by its input queue', () => {
    const paths_ = p()
    writeRecord(rec('old', '2026-01-01T00:00:00Z'), paths_)
    writeRecord(rec('new', '2026-02-01T00:00:00Z'), paths_)
    writeFileSync(join(runsDir(paths_), 'junk.json'), '{"x":1}')
    const l = listRecords(paths_)
    expect(l.runs.map((r) => r.task)).toEqual(['new', 'old'])
    expect(l.unreadable).toEqual([join(runsDir(paths_), 'junk.json')])
    expect(recordByInputQueue('gridcore:old:in', paths_)?.task).toBe('old')
    expect(() => readRecord('junk', paths_)).toThrow(/is not a run record: move it aside/)
    expect(readdirSync(runsDir(paths_)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('an empty or missing runs dir lists nothing', () => {
    const paths_ = p()
    expect(listRecords(paths_)).toEqual({ runs: [], unreadable: [] })
    mkdirSync(runsDir(paths_), { recursive: true })
    expect(listRecords(paths_).runs).toEqual([])
  })

  it('marks a running record cancelled, and leaves a finished one', () => {
    const paths_ = p()
    writeRecord(rec('a', '2026-01-01T00:00:00Z'), paths_)
    expect(markCancelled('a', paths_)?.status).toBe('cancelled')
    writeRecord({ ...rec('b', '2026-01-01T00:00:00Z'), status: 'done' }, paths_)
    expect(markCancelled('b', paths_)?.status).toBe('done')
    expect(markCancelled('c', paths_)).toBeUndefined()
  })

  it('resume and retry commands quote odd names and carry a named cluster', () => {
    expect(runCommandFor('--resume', { task: 'run-1', cluster: 'local' })).toBe('gridcore run --resume run-1')
    expect(runCommandFor('--retry', { task: "it's", cluster: 'prod' })).toBe(
      `gridcore run --retry 'it'\\''s' --cluster prod`,
    )
  })

  it('tells whether the writing process runs: this one yes, a gone pid no, another host unknown', () => {
    expect(writerAlive({ pid: process.pid, host: hostname() })).toBe(true)
    expect(writerAlive({ pid: 2 ** 22 + 12345, host: hostname() })).toBe(false)
    expect(writerAlive({ pid: 1, host: 'elsewhere' })).toBeNull()
  })
})
