// The line-filter worker's filters: the running one, and, once one has died, spares started ahead so a restart
// costs no start-up time: one spare, and up to MAX_SPARES while filters die more often than once a second.
import { LineFilter } from './line-filter.js'

const MAX_SPARES = 3

export class Filters {
  active: LineFilter
  private spares: LineFilter[] = []
  private deaths: number[] = []
  private closing = false
  restarts = 0

  constructor(
    private readonly command: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd?: string,
  ) {
    this.active = this.spawn()
  }

  replace(): void {
    this.active.kill()
    this.restarts++
    const now = Date.now()
    this.deaths = [...this.deaths.filter((t) => now - t < 1_000), now]
    this.active = this.spares.shift() ?? this.spawn()
    // Spawning blocks for a few ms: do it once the new filter has its items and works on them.
    setImmediate(() => this.refill())
  }

  private refill(): void {
    if (this.closing) return
    const want = Math.min(MAX_SPARES, this.deaths.length)
    while (this.spares.length > want) this.spares.pop()!.kill()
    while (this.spares.length < want) this.spares.push(this.spawn())
  }

  async close(): Promise<void> {
    this.closing = true
    for (const s of this.spares) s.kill()
    await this.active.close()
  }

  private spawn(): LineFilter {
    return new LineFilter(this.command, this.env, this.cwd)
  }
}
