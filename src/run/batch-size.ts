// How many items the line-filter worker takes next: it starts at the --batch size and adapts so one batch takes
// about TARGET_MS of the filter's time — quick items in big batches (few round trips and checks per item), slow
// ones in small batches (they spread over the instances, and a stop or a crash holds little).

export const TARGET_MS = 100
export const MAX_BATCH = 5000

export class BatchSize {
  private size: number

  constructor(
    readonly start: number,
    private readonly max = MAX_BATCH,
  ) {
    this.size = Math.max(1, Math.min(start, max))
  }

  /** Items to take next. */
  get next(): number {
    return this.size
  }

  /** A batch of `items` took `ms`: grow (at most 4x a batch) or shrink towards TARGET_MS a batch. */
  record(items: number, ms: number): void {
    if (items <= 0) return
    const perItem = Math.max(ms, 0.05) / items
    const fits = Math.floor(TARGET_MS / perItem)
    this.size = Math.max(1, Math.min(this.max, fits, this.size * 4))
  }
}
