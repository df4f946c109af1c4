// The one function you edit: turn one item (a string) into its result (a string).
// It may be async (return a Promise) when it waits on I/O. Throw to fail the item: it goes to the failed
// list with the error and can be retried (gridcore queue retry). Keep it idempotent: after a crash an
// item may be processed again.

export function handle(item) {
  const n = Number(item)
  if (Number.isNaN(n)) throw new TypeError(`not a number: ${item}`)
  return `${item}:${Math.sqrt(n)}`
}
