// gridnode.toml: upstream keys plus gridcore's, validation, and node_id saved without losing the user's lines.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readNodeConfig, saveNodeId } from '../../src/node/config.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('readNodeConfig', () => {
  it('reads upstream keys and gridcore additions, and only the keys that are there', () => {
    const p = file(
      'a.toml',
      'server_url = "http://h:8080"\ntoken = "t"\nparallelism = 3\nruntime = "process"\nallowed_commands = ["python3"]\nallow_shell = true\nheartbeat_interval = 0.5\n',
    )
    expect(readNodeConfig(p)).toEqual({
      server_url: 'http://h:8080',
      token: 't',
      parallelism: 3,
      runtime: 'process',
      allowed_commands: ['python3'],
      allow_shell: true,
      heartbeat_interval: 0.5,
    })
    expect(readNodeConfig(file('empty.toml', ''))).toEqual({})
    expect(readNodeConfig(file('auto.toml', 'parallelism = "auto"\n'))).toEqual({ parallelism: 'auto' })
  })
  it.each([
    ['server_url = "x"\ntoken = "t"\nruntime = "vm"\n', /"runtime" must be "auto", "docker" or "process"/],
    ['server_url = "x"\ntoken = "t"\nparallelism = 0\n', /"parallelism" must be a number of at least 1/],
    ['parallelism = "max"\n', /"parallelism" must be a number of at least 1, or "auto"/],
    [
      'server_url = "x"\ntoken = "t"\nallowed_commands = "python3"\n',
      /"allowed_commands" must be a list of strings/,
    ],
    ['allowed_commands = ["python3", 3]\n', /"allowed_commands" must be a list of strings/],
    ['allow_shell = "yes"\n', /"allow_shell" must be true or false/],
    ['token = ""\n', /"token" must be a non-empty string/],
    ['stop_timeout = -1\n', /"stop_timeout" must be a number of at least 0/],
    ['server_url = "x\n', /is not valid TOML/],
  ])('rejects %j', (text, err) => {
    expect(() => readNodeConfig(file('bad.toml', text))).toThrow(err)
  })
})

describe('saveNodeId', () => {
  it('replaces the commented-out node_id line and keeps every other line', () => {
    const text =
      '# my node\nserver_url = "http://h:8080"\ntoken = "t"\n\n# node_id = ""\nparallelism = 2 # two\n'
    const p = file('b.toml', text)
    saveNodeId(p, 'abc')
    expect(readFileSync(p, 'utf8')).toBe(text.replace('# node_id = ""', 'node_id = "abc"'))
    expect(readNodeConfig(p).node_id).toBe('abc')
  })
  it('inserts before the first table, or appends', () => {
    const p = file('c.toml', 'server_url = "x"\ntoken = "t"\n\n[extra]\nk = 1\n')
    saveNodeId(p, 'n1')
    expect(readFileSync(p, 'utf8')).toBe(
      'server_url = "x"\ntoken = "t"\n\nnode_id = "n1"\n\n[extra]\nk = 1\n',
    )
    const q = file('d.toml', 'server_url = "x"\ntoken = "t"\n')
    saveNodeId(q, 'n2')
    expect(readFileSync(q, 'utf8')).toBe('server_url = "x"\ntoken = "t"\nnode_id = "n2"\n')
  })
})
