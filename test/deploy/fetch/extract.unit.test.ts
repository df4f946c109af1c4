// Finding computehub and gridnode in a downloaded asset: a raw binary by its name, or archive entries.
import { describe, expect, it } from 'vitest'
import { binariesIn } from '../../../src/deploy/fetch/extract.js'
import { makeTar, makeZip } from '../../helpers/archives.js'

const HUB = Buffer.from('hub-binary')
const NODE = Buffer.from('node-binary')

describe('binariesIn', () => {
  it('files a raw asset under the binary its name starts with', () => {
    expect(binariesIn('computehub-0.3.0-linux-x64', HUB)).toEqual({ computehub: HUB })
    expect(binariesIn('GridNode-linux-x64', NODE)).toEqual({ gridnode: NODE })
    expect(binariesIn('README-linux-x64', HUB)).toEqual({})
  })

  it('finds both binaries at any depth of a .tar.gz, with a version suffix or .exe', () => {
    const tgz = makeTar([
      { name: 'idm-gridcore-0.4.0/README.md', data: 'docs' },
      { name: 'idm-gridcore-0.4.0/bin/computehub-0.4.0', data: HUB },
      { name: 'idm-gridcore-0.4.0/bin/gridnode.exe', data: NODE },
    ])
    expect(binariesIn('idm-gridcore-0.4.0-linux-x64.tar.gz', tgz)).toEqual({
      computehub: HUB,
      gridnode: NODE,
    })
  })

  it('reads a .zip by its name, and does not take a file that only starts like a binary', () => {
    const zip = makeZip([
      { name: 'computehub.toml', data: 'config' },
      { name: 'computehub', data: HUB },
      { name: 'gridnode', data: NODE },
    ])
    expect(binariesIn('bins-linux-x64.ZIP', zip)).toEqual({ computehub: HUB, gridnode: NODE })
  })

  it('names an asset that is not a readable archive', () => {
    expect(() => binariesIn('idm-gridcore-linux-x64.tar.gz', Buffer.from('<html>'))).toThrow(
      /^idm-gridcore-linux-x64\.tar\.gz is not a readable archive \(.+\): try again$/,
    )
  })
})
