// Where the timing policies (debounce, throttle, cache ttl) get time from:
// the page's timers in the bundle, a test's own clock in Node, so the
// policies can be checked without a browser and without waiting.

export interface Clock {
  now (): number
  setTimeout (fn: () => void, ms: number): number
  clearTimeout (id: number | undefined): void
}

export const pageClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
}
