// A socket's rate limit: a token bucket that charges each frame by what it
// makes the server do, and closes a socket that keeps sending past it.

/** Tokens a frame costs: a full render or a join is many events' work. */
export const FRAME_COST = { event: 1, state: 1, leave: 1, join: 4, render: 10 } as const
export type CostedFrame = keyof typeof FRAME_COST

/** Refused frames are counted over this window (ms) to tell a flood from a burst. */
export const REFUSAL_WINDOW = 5000
/** Refusals answered with an error frame per window; past them a flooder is not answered. */
export const ANSWERED_REFUSALS = 20

export type Verdict = 'ok' | 'refuse' | 'refuse-silently' | 'close'

export class RateLimiter {
  readonly #burst: number
  readonly #perSecond: number
  #tokens: number
  #refilled: number
  #windowStart = 0
  #refusals = 0

  constructor (limits: { burst: number, perSecond: number }, now = Date.now()) {
    this.#burst = limits.burst
    this.#perSecond = limits.perSecond
    this.#tokens = limits.burst
    this.#refilled = now
  }

  /**
   * Charge `cost` tokens. A frame that finds too few is refused; a socket
   * refused more than a burst's worth of frames within the window is closed,
   * whatever trickle of tokens it earned meanwhile. Only the first refusals
   * of a window get an answer: a flooder is not fed error frames.
   */
  take (cost: number, now = Date.now()): Verdict {
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilled) / 1000) * this.#perSecond)
    this.#refilled = now
    if (this.#tokens >= cost) {
      this.#tokens -= cost
      return 'ok'
    }
    if (now - this.#windowStart > REFUSAL_WINDOW) {
      this.#windowStart = now
      this.#refusals = 0
    }
    this.#refusals++
    if (this.#refusals > this.#burst) return 'close'
    return this.#refusals > ANSWERED_REFUSALS ? 'refuse-silently' : 'refuse'
  }
}
