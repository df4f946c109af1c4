// GPUs: detection through a fake nvidia-smi on PATH, the device request, and the refusals a GPU task gets.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TaskConfig } from '../../src/hub/protocol.js'
import { detectGpus, deviceRequests, gpuRefusal } from '../../src/node/gpus.js'
import { tempDir } from '../helpers/tmp.js'

const dir = tempDir()
/** A directory holding an nvidia-smi shell script with this body. */
const fakeSmi = (name: string, body: string) => {
  const d = join(dir, name)
  mkdirSync(d, { recursive: true })
  writeFileSync(join(d, 'nvidia-smi'), `#!/bin/sh\n${body}\n`)
  chmodSync(join(d, 'nvidia-smi'), 0o755)
  return d
}
const task = (gpus?: TaskConfig['gpus']): TaskConfig => ({
  task_name: 'train',
  image: 'img',
  redis_url: null,
  input_redis: null,
  output_redis: null,
  input_queue: null,
  output_queue: null,
  ...(gpus !== undefined ? { gpus } : {}),
})

describe('detectGpus', () => {
  it('counts the GPUs nvidia-smi -L lists (not their MIG devices)', () => {
    const d = fakeSmi(
      'two',
      `[ "$1" = "-L" ] || exit 9
echo "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-aaaa)"
echo "  MIG 1g.5gb Device 0: (UUID: MIG-bbbb)"
echo "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-cccc)"`,
    )
    expect(detectGpus({ PATH: `/nonexistent:${d}` })).toEqual({ count: 2, path: join(d, 'nvidia-smi') })
  })

  it('is undefined without nvidia-smi on PATH, and 0 with the reason when it fails', () => {
    expect(detectGpus({ PATH: join(dir, 'nothing-here') })).toBeUndefined()
    expect(detectGpus({})).toBeUndefined()
    const d = fakeSmi(
      'broken',
      'echo "NVIDIA-SMI has failed because it could not communicate with the driver" >&2; exit 9',
    )
    expect(detectGpus({ PATH: d })).toEqual({
      count: 0,
      path: join(d, 'nvidia-smi'),
      error: 'NVIDIA-SMI has failed because it could not communicate with the driver',
    })
  })
})

describe('device requests and refusals', () => {
  it('asks Docker for nvidia GPUs: a count, or -1 for all', () => {
    expect(deviceRequests(2)).toEqual([{ Driver: 'nvidia', Count: 2, Capabilities: [['gpu']] }])
    expect(deviceRequests('all')).toEqual([{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }])
  })

  it('refuses a GPU task on a node without GPUs, with too few, or on the process runtime', () => {
    expect(gpuRefusal(task(), undefined, 'docker')).toBeNull()
    expect(gpuRefusal(task(), undefined, 'process')).toBeNull()
    expect(gpuRefusal(task(2), 2, 'docker')).toBeNull()
    expect(gpuRefusal(task('all'), 1, 'docker')).toBeNull()
    expect(gpuRefusal(task(1), undefined, 'docker')).toBe(
      'task "train" asks for 1 GPU, and this node has no GPU (no nvidia-smi on its PATH): run it on a node with NVIDIA GPUs (their group is gpu)',
    )
    expect(gpuRefusal(task('all'), 0, 'docker')).toMatch(
      /asks for all GPUs, and this node has no GPU \(nvidia-smi lists none\)/,
    )
    expect(gpuRefusal(task(4), 2, 'docker')).toBe(
      'task "train" asks for 4 GPUs, and this node has 2: ask for at most 2, or run it on a node with more',
    )
    expect(gpuRefusal(task(1), 8, 'process')).toMatch(/the process runtime cannot give GPUs to a process/)
  })
})
