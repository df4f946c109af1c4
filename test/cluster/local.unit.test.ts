// state/local_cluster.json: a record that cannot be used says what is wrong and how to clear it (never "run
// gridcore down", which reads the same file), exit 3.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readLocalCluster } from '../../src/cluster/local.js'
import { paths } from '../../src/lib/paths.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
let n = 0

function withState(text: string | undefined) {
  const p = paths({ GRIDCORE_HOME: join(dir, `home-${n++}`) })
  if (text !== undefined) {
    mkdirSync(p.stateDir, { recursive: true })
    writeFileSync(p.localClusterJson, text)
  }
  return p
}

describe('readLocalCluster', () => {
  it('is undefined when no local cluster is recorded', () => {
    expect(readLocalCluster(withState(undefined))).toBeUndefined()
  })

  it('reads a good record', () => {
    const state = {
      mode: 'local',
      computehub: { url: 'http://127.0.0.1:8080' },
      redis: { url: 'redis://:***@h:1' },
    }
    expect(readLocalCluster(withState(JSON.stringify(state)))).toEqual(state)
  })

  it.each([
    ['{"mode": "local", ', 'is not valid JSON'],
    ['null', 'has no computehub.url'],
    ['{"computehub": {}}', 'has no computehub.url'],
    ['{"computehub": {"url": "not a url"}}', 'has a computehub.url that is not an http:// URL ("not a url")'],
    ['{"computehub": {"url": "ftp://h:1"}}', 'has a computehub.url that is not an http:// URL ("ftp://h:1")'],
    ['{"computehub": {"url": "http://h:1"}, "redis": {"url": 5}}', 'has a redis.url that is not a URL'],
  ])('%s: %s', (text, what) => {
    const p = withState(text)
    const err = (() => {
      try {
        readLocalCluster(p)
      } catch (e) {
        return e as Error & { exitCode: number }
      }
    })()!
    expect(err.exitCode).toBe(3)
    expect(err.message).toBe(
      `${p.localClusterJson} ${what}: if no local cluster runs, move it aside (mv ${p.localClusterJson} ${p.localClusterJson}.bak), then gridcore up`,
    )
  })
})
