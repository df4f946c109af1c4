// Recognising a process that uses one of a cluster's files by its command line.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mentions } from '../../src/deploy/procs.js'
import { keptPassword, redisConfig } from '../../src/deploy/redis-launcher.js'

describe('mentions', () => {
  it('a path as a whole word, or a file under it', () => {
    expect(mentions('node run.js node start --config /c/gridnode.toml', '/c/gridnode.toml')).toBe(true)
    expect(mentions('redis-server /d/redis-6379/redis.conf', '/d/redis-6379')).toBe(true)
    expect(mentions('x --dir=/d/redis-6379', '/d/redis-6379')).toBe(true)
    expect(mentions('redis-server /d/redis-63790/redis.conf', '/d/redis-6379')).toBe(false)
    expect(mentions('cat /x/d/redis-6379', '/d/redis-6379')).toBe(false)
    expect(mentions('', '/d')).toBe(false)
  })
})

describe('keptPassword', () => {
  it('reads back the password of a config gridcore wrote, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridcore-kept-'))
    expect(keptPassword(dir)).toBeUndefined()
    writeFileSync(join(dir, 'redis.conf'), redisConfig({ port: 1, password: 'abc123', dataDir: dir }))
    expect(keptPassword(dir)).toBe('abc123')
    writeFileSync(join(dir, 'redis.conf'), 'requirepass "abc123"\n')
    expect(keptPassword(dir)).toBeUndefined()
  })
})
