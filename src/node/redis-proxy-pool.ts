// One loopback Redis proxy per distinct rediss:// URL, made on first use and closed together.
import { redactUrl } from '../lib/redact.js'
import {
  type RedisProxy,
  type RedisProxyOptions,
  type RedisProxyStats,
  startRedisProxy,
} from './redis-proxy.js'

/**
 * One proxy per distinct rediss:// URL, made on first use: what a node daemon asks for when a task arrives.
 * redis:// URLs pass through unchanged (they need no TLS).
 */
export class RedisProxyPool {
  private readonly proxies = new Map<string, Promise<RedisProxy>>()

  constructor(private readonly opts: Omit<RedisProxyOptions, 'url'>) {}

  /** The URL an instance should use for `url`. */
  async localUrl(url: string): Promise<string> {
    if (!url.startsWith('rediss://')) return url
    let p = this.proxies.get(url)
    if (!p) {
      p = startRedisProxy({ ...this.opts, url })
      this.proxies.set(url, p)
      p.catch(() => this.proxies.delete(url))
    }
    return (await p).url
  }

  /** Proxies running now, by their (redacted) cluster URL. */
  async list(): Promise<{ url: string; local: string; stats: RedisProxyStats }[]> {
    const out = []
    for (const [url, p] of this.proxies) {
      const proxy = await p.catch(() => undefined)
      if (proxy) out.push({ url: redactUrl(url), local: proxy.url, stats: proxy.stats() })
    }
    return out
  }

  async closeAll(): Promise<void> {
    const all = [...this.proxies.values()]
    this.proxies.clear()
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()))
  }
}
