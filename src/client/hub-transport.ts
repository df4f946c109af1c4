// The ComputeHub HTTP transport: node:http for http hubs, undici (loaded on demand) for https ones, verified
// against the cluster CA when one is given (else the system's roots; verification is never turned off), and errors
// that name the URL and the fix. HubClient (hub-client.ts) adds the routes.
import type { Dispatcher } from 'undici'
import { GridcoreError } from '../lib/errors.js'
import { hubHttpError, hubUnreachable } from './hub-errors.js'
import { plainRequest } from './plain-http.js'

export interface HubClientOptions {
  url: string
  token: string
  /** Per-request timeout (connect + headers + body). */
  timeoutMs?: number
  /** The cluster CA (PEM) an https hub's certificate must chain to; absent: the system's roots. */
  caPem?: string
}

/** Checks a hub URL and returns it without a trailing slash. */
export function normalizeHubUrl(raw: string): string {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new GridcoreError(
      'USAGE',
      `hub URL "${raw}" is not a valid URL: expected e.g. http://127.0.0.1:8080`,
    )
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new GridcoreError('USAGE', `hub URL "${raw}" must start with http:// or https://`)
  }
  if (u.username || u.password) {
    throw new GridcoreError(
      'USAGE',
      'hub URL must not carry credentials: pass the token with --token instead',
    )
  }
  return u.toString().replace(/\/+$/, '')
}

export class HubTransport {
  readonly url: string
  private readonly token: string
  protected readonly timeoutMs: number
  protected readonly caPem?: string
  private dispatcher?: Promise<Dispatcher>

  constructor(opts: HubClientOptions) {
    this.url = normalizeHubUrl(opts.url)
    this.token = opts.token
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.caPem = opts.caPem
  }

  /** Closes the pinned connection pool, if one was made (a long-lived process that drops its client). */
  async close(): Promise<void> {
    const d = await this.dispatcher
    this.dispatcher = undefined
    await d?.close()
  }

  private pool(): Promise<Dispatcher> | undefined {
    if (!this.caPem || !this.url.startsWith('https:')) return undefined
    const caPem = this.caPem
    this.dispatcher ??= import('../net/tls-clients.js').then(({ pinnedAgent }) =>
      pinnedAgent(caPem, { connectTimeoutMs: this.timeoutMs }),
    )
    return this.dispatcher
  }

  protected async json<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { body: text } = await this.call(method, path, body, true, opts)
    try {
      return JSON.parse(text) as T
    } catch {
      throw new GridcoreError(
        'HUB_BAD_RESPONSE',
        `${this.url}${path} did not answer JSON: is this a ComputeHub?`,
      )
    }
  }

  protected async call(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<{ status: number; body: string }> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const headers: Record<string, string> = {}
    if (auth) headers.authorization = `Bearer ${this.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const payload = body === undefined ? undefined : JSON.stringify(body)
    let status: number
    let text: string
    try {
      if (this.url.startsWith('http:')) {
        ;({ status, text } = await plainRequest(`${this.url}${path}`, {
          method,
          headers,
          body: payload,
          timeoutMs,
          signal: opts.signal,
        }))
      } else {
        // Loaded on demand: undici costs ~100 ms of start-up that commands without the hub do not pay.
        const { request } = await import('undici')
        const dispatcher = await this.pool()
        const res: Dispatcher.ResponseData = await request(`${this.url}${path}`, {
          ...(dispatcher ? { dispatcher } : {}),
          method: method as 'GET',
          headers,
          body: payload,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: opts.signal
            ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs),
        })
        text = await res.body.text()
        status = res.statusCode
      }
    } catch (err) {
      if (opts.signal?.aborted) {
        throw new GridcoreError('INTERRUPTED', `${method} ${this.url}${path.split('?')[0]} was cancelled`)
      }
      throw hubUnreachable(err as NodeJS.ErrnoException, {
        url: this.url,
        timeoutMs,
        pinned: Boolean(this.caPem),
      })
    }
    if (status >= 400) throw hubHttpError({ url: this.url, method, path, status, text })
    return { status, body: text }
  }
}
