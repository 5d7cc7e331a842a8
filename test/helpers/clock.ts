import type { Clock } from '../../browser/clock.js'

/**
 * A clock for the browser's timing policies in Node: time stands still until
 * advance() moves it, running each timer that falls due on the way, at its
 * due time, earliest first (timers due together run in the order they were
 * set, as the browser's do).
 */
export class ManualClock implements Clock {
  time = 0
  #seq = 0
  #timers = new Map<number, { at: number, fn: () => void }>()

  now (): number { return this.time }

  setTimeout (fn: () => void, ms: number): number {
    const id = ++this.#seq
    this.#timers.set(id, { at: this.time + Math.max(0, ms), fn })
    return id
  }

  clearTimeout (id: number | undefined): void {
    if (id !== undefined) this.#timers.delete(id)
  }

  /** Timers set and not yet run or cleared. */
  get pending (): number { return this.#timers.size }

  advance (ms: number): void {
    const end = this.time + ms
    for (;;) {
      let next: [number, { at: number, fn: () => void }] | undefined
      // Map order is creation order, so the first of equal due times wins
      for (const entry of this.#timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry
      if (next === undefined) break
      this.#timers.delete(next[0])
      this.time = next[1].at
      next[1].fn()
    }
    this.time = end
  }
}

/** `Date.now()` moved by the test instead of sleeping (a rate limit's refill, a ttl); restored with the test. */
export function moveDateNow (t: { teardown (fn: () => void): void }): { advance (ms: number): void } {
  const realNow = Date.now
  let offset = 0
  Date.now = () => realNow() + offset
  t.teardown(() => { Date.now = realNow })
  return { advance (ms) { offset += ms } }
}

/**
 * `Date.now()` standing still, moved only by the test: the server's side of a
 * paused page clock (page-clock.ts), for a ttl the server checks too (the
 * @cache snapshots'). Restored with the test.
 */
export function freezeDateNow (t: { teardown (fn: () => void): void }): { advance (ms: number): void } {
  const realNow = Date.now
  let now = realNow()
  Date.now = () => now
  t.teardown(() => { Date.now = realNow })
  return { advance (ms) { now += ms } }
}
