import { type Clock, pageClock } from './clock.js'
import { CACHE_MAX } from './constants.js'
import type { Params } from './socket.js'

// A root's @cache results: an LRU (a Map kept in use order) of the rendered
// html and the server's snapshot id, keyed by handler + keyParams values,
// each kept `ttl` ms (60 s by default) and at most `max` of them.

export interface CachePolicy { ttl?: number, keyParams?: string[] }
export interface Cached { html: string, snap: string, at: number }

export const cacheKey = (handler: string, policy: CachePolicy, params: Params): string =>
  JSON.stringify([handler, ...(policy.keyParams ?? []).map((k) => params[k] ?? null)])

export class ResultCache {
  private entries = new Map<string, Cached>()
  private clock: Clock
  private max: number

  constructor (clock: Clock = pageClock, max = CACHE_MAX) {
    this.clock = clock
    this.max = max
  }

  get size (): number { return this.entries.size }

  /** The entry, unless expired (an expired one is dropped); a hit becomes the most recently used. */
  get (key: string, policy: CachePolicy): Cached | undefined {
    const hit = this.entries.get(key)
    if (!hit) return
    this.entries.delete(key)
    if (this.clock.now() - hit.at > (policy.ttl ?? 60000)) return
    this.entries.set(key, hit)
    return hit
  }

  /** `at`: when the result was made (a restored hit keeps its entry's age: the server's ttl counts from there). */
  put (key: string, html: string, snap: string, at = this.clock.now()): void {
    this.entries.delete(key)
    this.entries.set(key, { html, snap, at })
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!)
  }

  delete (key: string): void { this.entries.delete(key) }
  clear (): void { this.entries.clear() }

  /** Drop the entries whose snapshot the server no longer keeps (another handler changed the view). */
  keep (snaps: string[] | undefined): void {
    if (snaps) for (const [key, e] of this.entries) if (!snaps.includes(e.snap)) this.entries.delete(key)
  }
}
