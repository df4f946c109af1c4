// One HTTP/1.1 request over node:http, for hubs reached in plain http: it loads with Node itself, where undici
// costs a CLI start-up about 0.1 s (https hubs keep undici). Errors keep their code (ECONNREFUSED, …); no answer in
// time is a TimeoutError, the caller's signal an AbortError.
import { request } from 'node:http'

export interface PlainRequest {
  method: string
  headers: Record<string, string>
  body?: string
  timeoutMs: number
  signal?: AbortSignal
}

export function plainRequest(url: string, o: PlainRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const fail = (name: string, message: string) => Object.assign(new Error(message), { name, code: name })
    const req = request(url, { method: o.method, headers: o.headers, agent: false })
    const timer = setTimeout(() => req.destroy(fail('TimeoutError', 'no answer in time')), o.timeoutMs)
    const onAbort = () => req.destroy(fail('AbortError', 'cancelled'))
    o.signal?.addEventListener('abort', onAbort, { once: true })
    const done = () => {
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
    }
    req.on('error', (err) => {
      done()
      reject(err)
    })
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', (err) => {
        done()
        reject(err)
      })
      res.on('end', () => {
        done()
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
      })
    })
    if (o.signal?.aborted) onAbort()
    req.end(o.body)
  })
}
