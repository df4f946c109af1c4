// Local TCP ports: free or not, who holds one ("port 8080 is in use by pid 123 (redis-server)", Linux /proc).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { cmdlineOf } from '../lib/proc.js'

/** Whether nothing listens on host:port right now. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, host, () => srv.close(() => resolve(true)))
  })
}

export interface PortHolder {
  pid: number
  command: string
}

export function portHolder(port: number): PortHolder | undefined {
  if (process.platform !== 'linux') return undefined
  const inodes = new Set<string>()
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = ''
    try {
      text = readFileSync(f, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10) continue
      const localPort = Number.parseInt(cols[1]!.split(':')[1] ?? '', 16)
      if (localPort === port && cols[3] === '0A') inodes.add(cols[9]!)
    }
  }
  if (!inodes.size) return undefined
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
        if (m && inodes.has(m[1]!))
          return { pid: Number(pid), command: (cmdlineOf(Number(pid)) ?? '?').slice(0, 80) }
      } catch {}
    }
  }
  return undefined
}

/** "port 8080 is in use by pid 12 (redis-server *:8080)", or without the holder when unknown. */
export function describeBusy(port: number): string {
  const h = portHolder(port)
  return h ? `port ${port} is in use by pid ${h.pid} (${h.command})` : `port ${port} is in use`
}

/** `preferred` when free (and not one of `taken`), else a free port the OS picks (again not one of `taken`). */
export async function freePortNear(preferred: number, taken: number[] = []): Promise<number> {
  if (!taken.includes(preferred) && (await portFree(preferred))) return preferred
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer()
      srv.once('error', reject)
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number }
        srv.close(() => resolve(port))
      })
    })
    if (!taken.includes(port)) return port
  }
}
