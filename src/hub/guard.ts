// Bounds the connections that have not proven the token, so a flood of them cannot starve nodes or memory.
// A connection is "unproven" from accept until it makes a request with the right token. Unproven ones are capped
// per client address and in total; over a cap the OLDEST unproven connection of that address (or of all) is
// closed once it has had `graceMs` to send its request, so a flood only ever evicts itself while a real client's
// fresh connection, which proves itself within milliseconds, gets through. Past `hardFactor` times a cap the
// oldest goes at once, grace or not. An unproven connection is closed `maxUnprovenAgeMs` after it opened
// (node:http's header timeout does not cover a connection that never sends a byte).
import type { Socket } from 'node:net'

export interface GuardLimits {
  /** Unproven connections kept in total. */
  maxUnproven: number
  /** Unproven connections kept per client address. */
  maxUnprovenPerAddress: number
  /** How long a new connection has to send a request before it may be evicted. */
  graceMs: number
  hardFactor: number
  /** How long a connection may stay unproven at all. */
  maxUnprovenAgeMs: number
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  maxUnproven: 512,
  maxUnprovenPerAddress: 128,
  graceMs: 250,
  hardFactor: 4,
  maxUnprovenAgeMs: 10_000,
}

export class ConnectionGuard {
  /** Insertion-ordered: the first is the oldest. */
  private readonly unproven = new Set<Socket>()
  private readonly byAddress = new Map<string, Set<Socket>>()
  private readonly addressOf = new WeakMap<Socket, string>()
  private readonly admittedAt = new WeakMap<Socket, number>()
  private readonly expiry = new WeakMap<Socket, NodeJS.Timeout>()
  private timer: NodeJS.Timeout | undefined
  evicted = 0

  constructor(private readonly limits: GuardLimits = DEFAULT_GUARD_LIMITS) {}

  /** Tracks a new connection and closes the oldest unproven ones over the caps. */
  admit(socket: Socket): void {
    const address = socket.remoteAddress ?? ''
    this.addressOf.set(socket, address)
    this.admittedAt.set(socket, Date.now())
    this.unproven.add(socket)
    const mine = this.byAddress.get(address) ?? new Set<Socket>()
    this.byAddress.set(address, mine)
    mine.add(socket)
    socket.once('close', () => this.forget(socket))
    this.expiry.set(
      socket,
      setTimeout(() => this.unproven.has(socket) && this.evict(socket), this.limits.maxUnprovenAgeMs).unref(),
    )
    this.trim(mine, this.limits.maxUnprovenPerAddress)
    this.trim(this.unproven, this.limits.maxUnproven)
  }

  /** Closes the oldest of `set` while it is over `cap`; retries later for ones still in their grace time. */
  private trim(set: Set<Socket>, cap: number): void {
    const now = Date.now()
    while (set.size > cap) {
      const oldest = set.values().next().value!
      const age = now - (this.admittedAt.get(oldest) ?? 0)
      if (age < this.limits.graceMs && set.size <= cap * this.limits.hardFactor) {
        this.timer ??= setTimeout(() => this.trimAll(), this.limits.graceMs - age + 1).unref()
        return
      }
      this.evict(oldest)
    }
  }

  private trimAll(): void {
    this.timer = undefined
    for (const set of [...this.byAddress.values()]) this.trim(set, this.limits.maxUnprovenPerAddress)
    this.trim(this.unproven, this.limits.maxUnproven)
  }

  /** Stops the retry timer (server closing). */
  close(): void {
    clearTimeout(this.timer)
  }

  /** The connection made a request with the right token: it is never evicted. */
  prove(socket: Socket): void {
    this.forget(socket)
  }

  isUnproven(socket: Socket): boolean {
    return this.unproven.has(socket)
  }

  get unprovenCount(): number {
    return this.unproven.size
  }

  private evict(socket: Socket): void {
    this.forget(socket)
    this.evicted++
    socket.destroy()
  }

  private forget(socket: Socket): void {
    if (!this.unproven.delete(socket)) return
    clearTimeout(this.expiry.get(socket))
    const address = this.addressOf.get(socket) ?? ''
    const mine = this.byAddress.get(address)
    mine?.delete(socket)
    if (mine?.size === 0) this.byAddress.delete(address)
  }
}
