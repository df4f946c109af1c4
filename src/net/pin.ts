// Trust on first contact, pinned: fetch a hub's CA over its one plaintext route and accept it only when its
// SHA-256 fingerprint is the one the join string carries (the kubeadm discovery-hash pattern).
import { request } from 'node:http'
import { GridcoreError } from '../lib/errors.js'
import { caFingerprint, normalizeFingerprint, parseCertificate } from './fingerprint.js'
import { hostPort } from './join-string.js'

export interface PinnedCa {
  /** The CA certificate, PEM. */
  pem: string
  fingerprint: string
}

const MAX_BYTES = 64 * 1024

/**
 * GETs http://host:port/ca.pem and checks it against `fingerprint`. Throws HUB_AUTH naming both fingerprints on a
 * mismatch, HUB_UNREACHABLE when nothing answers, HUB_BAD_RESPONSE when what answers is no gridcore TLS hub.
 */
export async function fetchPinnedCa(
  host: string,
  port: number,
  fingerprint: string,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<PinnedCa> {
  const want = normalizeFingerprint(fingerprint)
  if (!want)
    throw new GridcoreError('USAGE', `"${fingerprint}" is not a CA fingerprint: expected sha256:<64 hex>`)
  const where = hostPort(host.replace(/^\[(.*)\]$/, '$1'), port)
  const pem = await get(where, opts.timeoutMs ?? 10_000, opts.signal)
  const got = caFingerprint(pem, 'HUB_BAD_RESPONSE')
  if (got !== want) {
    throw new GridcoreError(
      'HUB_AUTH',
      `the hub at ${where} presents CA ${got} but the join string pins ${want}: ask the cluster owner for a fresh join string`,
      { presented: got, pinned: want },
    )
  }
  if (!parseCertificate(pem).ca) {
    throw new GridcoreError(
      'HUB_BAD_RESPONSE',
      `the certificate at http://${where}/ca.pem matches the pin but is not a CA certificate: ask the cluster owner to recreate the cluster CA`,
    )
  }
  return { pem, fingerprint: got }
}

function get(where: string, timeoutMs: number, signal?: AbortSignal): Promise<string> {
  const url = `http://${where}/ca.pem`
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'GET', signal, headers: { accept: 'application/x-pem-file' } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(
            new GridcoreError(
              'HUB_BAD_RESPONSE',
              `the hub at ${where} answered ${res.statusCode} to GET /ca.pem: it is not a gridcore hub serving TLS (a plaintext cluster's join string says insecure=1)`,
            ),
          )
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_BYTES) {
            req.destroy()
            reject(
              new GridcoreError(
                'HUB_BAD_RESPONSE',
                `${url} sent more than ${MAX_BYTES} bytes: not a CA certificate`,
              ),
            )
          } else chunks.push(c)
        })
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        res.on('error', (err) => reject(unreachable(url, err)))
      },
    )
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    )
    req.on('error', (err) => reject(unreachable(url, err)))
    req.end()
  })
}

function unreachable(url: string, err: NodeJS.ErrnoException): GridcoreError {
  if (err.name === 'AbortError') return new GridcoreError('INTERRUPTED', `fetching ${url} was interrupted`)
  const why = err.code === 'ETIMEDOUT' ? err.message : (err.code ?? err.message)
  return new GridcoreError(
    'HUB_UNREACHABLE',
    `cannot fetch the cluster CA from ${url} (${why}): check the host and port in the join string and that the hub runs with --listen`,
  )
}
