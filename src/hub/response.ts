// The hub's request and response shapes, and the three kinds of answer it gives (JSON, text, empty).

export interface HubResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export const json = (value: unknown, status = 200): HubResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
})

export const text = (status: number, body: string): HubResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
})

export const empty = (status: number, headers: Record<string, string> = {}): HubResponse => ({
  status,
  headers,
  body: '',
})

/** An answer that may wait (a long poll): `now` if it cannot wait, `held` resolves when it is ready. */
export interface Held {
  now: HubResponse
  /** Resolves with the answer once ready; at once when `signal` aborts (the client left, the hub stops). */
  held(signal: AbortSignal): Promise<HubResponse>
}

export const isHeld = (r: HubResponse | Held): r is Held => 'held' in r
