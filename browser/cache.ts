import { CACHE_MAX } from './constants.js'
import type { Params } from './socket.js'

// A root's @cache results: an LRU (a Map kept in use order) of the rendered
// html and the server's snapshot id, keyed by handler + keyParams values.

export interface CachePolicy { ttl?: number, keyParams?: string[] }
export interface Cached { html: string, snap: string, at: number }
export type Cache = Map<string, Cached>

export const cacheKey = (h: string, pol: CachePolicy, p: Params): string =>
  JSON.stringify([h, ...(pol.keyParams ?? []).map((k) => p[k] ?? null)])

export function cacheGet (c: Cache, key: string, pol: CachePolicy): Cached | undefined {
  const hit = c.get(key)
  if (!hit) return
  c.delete(key)
  if (Date.now() - hit.at > (pol.ttl ?? 60000)) return
  c.set(key, hit)
  return hit
}

/** Drop the entries whose snapshot the server no longer keeps (another handler changed the view). */
export function cacheKeep (c: Cache, keep: string[] | undefined): void {
  if (keep) for (const [key, e] of c) if (!keep.includes(e.snap)) c.delete(key)
}

export function cachePut (c: Cache, key: string, entry: Cached): void {
  c.delete(key)
  c.set(key, entry)
  if (c.size > CACHE_MAX) c.delete(c.keys().next().value!)
}
