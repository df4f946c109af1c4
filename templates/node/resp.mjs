// A small Redis client with no dependencies: one socket, RESP2, pipelined requests answered in order.
import { createHash } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'

export class RespClient {
  static async connect(url, timeoutMs = 5000) {
    const u = new URL(url)
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
      throw new Error('the Redis URL must start with redis:// or rediss://')
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const port = Number(u.port || 6379)
    const socket = await new Promise((resolve, reject) => {
      const s =
        u.protocol === 'rediss:' ? tls.connect({ host, port, servername: host }) : net.connect({ host, port })
      const timer = setTimeout(() => {
        s.destroy()
        reject(new Error('connect timeout'))
      }, timeoutMs)
      s.once(u.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
    })
    socket.setNoDelay(true)
    const c = new RespClient(socket)
    if (u.password) {
      const pw = decodeURIComponent(u.password)
      await c.call(...(u.username ? ['AUTH', decodeURIComponent(u.username), pw] : ['AUTH', pw]))
    }
    const db = u.pathname.slice(1)
    if (db && db !== '0') await c.call('SELECT', db)
    await c.call('PING')
    return c
  }

  constructor(socket) {
    this.socket = socket
    this.buf = Buffer.alloc(0)
    this.waiting = []
    this.shas = new Map()
    socket.on('data', (d) => this.onData(d))
    const fail = (err) => {
      for (const w of this.waiting.splice(0)) w.reject(err)
      this.closed = err
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('connection closed')))
  }

  call(...args) {
    return this.send(args)
  }

  /** Sends one command given as an array; several sends in a row are pipelined (answered in order). */
  send(args) {
    if (this.closed) return Promise.reject(this.closed)
    let out = `*${args.length}\r\n`
    for (const a of args) {
      const s = typeof a === 'string' ? a : String(a)
      out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`
    }
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.socket.write(out)
    })
  }

  /** SCRIPT LOAD: the server keeps the script, later calls send only its SHA. */
  async load(lua) {
    this.shas.set(lua, await this.send(['SCRIPT', 'LOAD', lua]))
  }

  /** EVALSHA with a fallback to EVAL when the server does not have the script (e.g. it restarted). */
  async script(lua, keys, args) {
    let sha = this.shas.get(lua)
    if (!sha) {
      sha = createHash('sha1').update(lua).digest('hex')
      this.shas.set(lua, sha)
    }
    try {
      return await this.send(['EVALSHA', sha, keys.length].concat(keys, args))
    } catch (err) {
      if (!String(err.message).startsWith('NOSCRIPT')) throw err
      return this.send(['EVAL', lua, keys.length].concat(keys, args))
    }
  }

  close() {
    this.socket.end()
  }

  onData(chunk) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    let pos = 0
    while (this.waiting.length) {
      const r = parse(this.buf, pos)
      if (!r) break
      pos = r.next
      const w = this.waiting.shift()
      r.value instanceof Error ? w.reject(r.value) : w.resolve(r.value)
    }
    this.buf = this.buf.subarray(pos)
  }
}

function parse(buf, pos) {
  if (pos >= buf.length) return null
  const end = buf.indexOf(13, pos)
  if (end === -1 || end + 1 >= buf.length) return null
  const type = String.fromCharCode(buf[pos])
  const line = buf.toString('utf8', pos + 1, end)
  let next = end + 2
  if (type === '+') return { value: line, next }
  if (type === '-') return { value: new Error(line), next }
  if (type === ':') return { value: Number(line), next }
  if (type === '$') {
    const n = Number(line)
    if (n < 0) return { value: null, next }
    if (next + n + 2 > buf.length) return null
    return { value: buf.toString('utf8', next, next + n), next: next + n + 2 }
  }
  if (type === '*') {
    const n = Number(line)
    if (n < 0) return { value: null, next }
    const out = []
    for (let i = 0; i < n; i++) {
      const r = parse(buf, next)
      if (!r) return null
      out.push(r.value)
      next = r.next
    }
    return { value: out, next }
  }
  throw new Error(`unexpected reply type ${type}`)
}
