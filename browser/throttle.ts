import { type Clock, pageClock } from './clock.js'

// Throttle with lodash's semantics, per (target, key): `leading` sends the
// first event at once; while the interval runs, `trailing` keeps the latest
// event and sends it when the interval ends, which starts a new interval.
// An interval that ends with nothing to send closes the gate.

export interface ThrottlePolicy { interval?: number, leading?: boolean, trailing?: boolean }

export interface ThrottleOptions<T> {
  target: T
  /** the handler, or handler and key, so one key does not hold back another */
  key: string
  policy: ThrottlePolicy
  fire: () => void
}

interface Gate { timer: number, fire?: (() => void) | undefined }

export interface Throttler<T> {
  throttle (options: ThrottleOptions<T>): void
  /** Forget every open interval and held send. */
  drop (): void
}

export function createThrottler<T> (clock: Clock = pageClock): Throttler<T> {
  const open = new Map<T, Map<string, Gate>>()
  return {
    throttle ({ target, key, policy, fire }) {
      let byKey = open.get(target)
      const gate = byKey?.get(key)
      if (gate) {
        if (policy.trailing !== false) gate.fire = fire
        return
      }
      if (!byKey) open.set(target, byKey = new Map())
      const keys = byKey
      const interval = policy.interval ?? 100
      const fresh: Gate = { timer: 0, fire: policy.leading === false && policy.trailing !== false ? fire : undefined }
      const tick = (): void => {
        const f = fresh.fire
        if (f) {
          fresh.fire = undefined
          fresh.timer = clock.setTimeout(tick, interval)
          f()
        } else {
          keys.delete(key)
          if (!keys.size) open.delete(target)
        }
      }
      fresh.timer = clock.setTimeout(tick, interval)
      keys.set(key, fresh)
      if (policy.leading !== false) fire()
    },
    drop () {
      for (const byKey of open.values()) for (const g of byKey.values()) clock.clearTimeout(g.timer)
      open.clear()
    },
  }
}

/** The page's throttled sends, keyed by element. */
export const pageThrottle = createThrottler<Element>()
