// The status page's files (src/hub/page/, copied beside the compiled hub by the build), served as they are under
// a strict Content-Security-Policy: nothing but the hub's own script, style and API; no inline code, no frames.
import { readFileSync } from 'node:fs'
import type { HubResponse } from './response.js'

/** The page's files by the path they are served at, with their content types. */
export const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/page/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/page/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
}

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const cache = new Map<string, string>()

/** A page file's answer (read once, then kept). */
export function pageFile(path: string): HubResponse {
  const f = PAGE_FILES[path]!
  let body = cache.get(f.file)
  if (body === undefined) {
    body = readFileSync(new URL(`./page/${f.file}`, import.meta.url), 'utf8')
    cache.set(f.file, body)
  }
  return {
    status: 200,
    headers: {
      'content-type': f.type,
      'content-security-policy': PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
    body,
  }
}
