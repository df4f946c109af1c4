// A recording stand-in for a hub on loopback: every request's method, path and JSON body is kept with the time it
// arrived; it forwards to a real hub (a proxy in front of `gridcore hub start`), or answers by itself.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Agent, fetch } from 'undici'

export interface Recorded {
  method: string
  url: string
  body: any
  /** The JSON the node got back. */
  answer: any
  at: number
}

export interface RecordingHub {
  url: string
  seen: Recorded[]
  /** Heartbeat bodies in order. */
  beats(): any[]
  close(): Promise<void>
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let b = ''
    req.setEncoding('utf8')
    req.on('data', (d) => {
      b += d
    })
    req.on('end', () => resolve(b))
  })

/**
 * `forward`: the real hub's URL (answers are passed through as they came); `answer`: a function that answers itself
 * (status 200, JSON). Exactly one of them.
 */
export async function startRecordingHub(o: {
  forward?: string
  answer?: (path: string, body: any) => unknown
}): Promise<RecordingHub> {
  const seen: Recorded[] = []
  const agent = new Agent()
  const server: Server = createServer(async (req, res) => {
    const text = await read(req)
    const at = Date.now()
    const body = text ? JSON.parse(text) : undefined
    let status = 200
    let reply: string
    let type = 'application/json'
    if (o.forward) {
      try {
        const r = await fetch(`${o.forward}${req.url}`, {
          method: req.method,
          headers: {
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
            ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
          },
          body: text || undefined,
          dispatcher: agent,
        })
        status = r.status
        type = r.headers.get('content-type') ?? 'text/plain'
        reply = await r.text()
      } catch (err) {
        // The proxy is closing (a long poll was still held), or the hub went away.
        status = 502
        type = 'text/plain'
        reply = (err as Error).message
      }
    } else reply = JSON.stringify(o.answer!(req.url!, body))
    let answer: unknown
    try {
      answer = JSON.parse(reply)
    } catch {
      answer = reply
    }
    seen.push({ method: req.method!, url: req.url!, body, answer, at })
    res.writeHead(status, { 'content-type': type })
    res.end(reply)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    beats: () => seen.filter((s) => s.url === '/gridnode/heartbeat').map((s) => s.body),
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await agent.destroy()
    },
  }
}
