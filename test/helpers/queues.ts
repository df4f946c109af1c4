// Queue names for one test, the flags that point the CLI at them, and items that are not UTF-8.

export interface QueueNames {
  input: string
  output: string
}

/** Fresh input/output names with a random prefix, so tests sharing a Redis never meet. */
export function queueNames(prefix: string): QueueNames {
  const p = `${prefix}${Math.random().toString(16).slice(2, 10)}`
  return { input: `${p}:in`, output: `${p}:out` }
}

/** --redis URL --queue IN --output-queue OUT */
export const queueFlags = (url: string, n: QueueNames) => [
  '--redis',
  url,
  '--queue',
  n.input,
  '--output-queue',
  n.output,
]

/** Items with bytes that are not UTF-8: 0xff 0xfe, a lone continuation byte, a truncated sequence; and plain text. */
export const NOT_UTF8 = [
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0x80]),
  Buffer.from([0x61, 0xe2, 0x82]),
  Buffer.from('ok'),
]
