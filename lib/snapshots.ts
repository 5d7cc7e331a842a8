import { createHash, randomBytes } from 'node:crypto'
import { jsonDataProblem } from './json-data.js'

// `@cache` results kept per view, so a cache hit in the browser can set the
// properties that result's handler assigned back to the values it assigned,
// without running it again. Only those properties are kept (as JSON), so a
// hit rolls nothing else back, and a snapshot costs what the handler changed,
// not the whole state. Bounded per view (count) and per socket (bytes, LRU
// across the socket's views: SnapshotBudget).

/** Results of `@cache` handlers kept per view (bounded, LRU): as many as the browser keeps (browser/constants.ts CACHE_MAX). */
export const MAX_SNAPSHOTS = 50

/** Fixed cost counted per snapshot on top of its JSON (id, key, hash, bookkeeping). */
export const SNAPSHOT_OVERHEAD_BYTES = 128

/** The top-level public properties before a handler ran: each value, and the JSON of the objects among them. */
export type StateMark = Map<string, { value: unknown, json: string | undefined }>

/** A property the handler changed and its new value (`undefined`: deleted). */
export type Changes = Map<string, unknown>

/**
 * Remember the public state before a handler runs. Objects are also kept as
 * JSON, so a handler that changes one in place (`this.tasks.push(t)`) is
 * seen to have changed it.
 */
export function markState (state: Record<string, unknown>): StateMark {
  const mark: StateMark = new Map()
  for (const key in state) {
    const value = state[key]
    mark.set(key, { value, json: isObject(value) ? jsonOf(value) : undefined })
  }
  return mark
}

/**
 * The top-level properties that differ from `before`, by identity and JSON:
 * a new array with the same items is no change; an object changed in place
 * is one. `skip`: a property the event path sets itself (`@loading`).
 */
export function changesSince (before: StateMark, state: Record<string, unknown>, skip?: string): Changes {
  const changes: Changes = new Map()
  for (const key in state) {
    if (key === skip) continue
    const value = state[key]
    const was = before.get(key)
    if (was === undefined ? true : differs(was, value)) changes.set(key, value)
  }
  for (const key of before.keys()) if (!(key in state) && key !== skip) changes.set(key, undefined)
  return changes
}

function differs (was: { value: unknown, json: string | undefined }, value: unknown): boolean {
  if (Object.is(was.value, value)) return isObject(value) && was.json !== undefined && jsonOf(value) !== was.json
  if (!isObject(value) || !isObject(was.value)) return true
  const json = jsonOf(value)
  return json === undefined || json !== was.json
}

/** One cached result: the properties its handler changed, as JSON (`null`: the property was removed). */
interface Snapshot {
  readonly id: string
  readonly key: string
  readonly values: ReadonlyArray<[string, string | null]>
  readonly bytes: number
  /** When it was taken (`Date.now()`), for the server's own `ttl` check. */
  readonly at: number
  readonly ttl: number
  /** A hash of the render the browser stored with it. */
  html: string
  readonly owner: Snapshots
}

/**
 * Snapshot memory of one socket, in bytes: the least recently used snapshot
 * of any of its views goes first once the budget is spent (`maxCacheBytes`).
 * A snapshot is measured as its JSON length plus SNAPSHOT_OVERHEAD_BYTES.
 */
export class SnapshotBudget {
  #used = 0
  /** Every snapshot of the socket, least recently used first. */
  readonly #lru = new Set<Snapshot>()

  constructor (readonly limit: number) {}

  get used (): number { return this.#used }

  /** Count `snapshot` in, evicting the least recently used until it fits; `false` when it alone is over the budget. */
  add (snapshot: Snapshot): boolean {
    if (snapshot.bytes > this.limit) return false
    this.#lru.add(snapshot)
    this.#used += snapshot.bytes
    while (this.#used > this.limit) {
      const oldest = this.#lru.values().next().value!
      oldest.owner.evict(oldest)
    }
    return true
  }

  touch (snapshot: Snapshot): void {
    this.#lru.delete(snapshot)
    this.#lru.add(snapshot)
  }

  remove (snapshot: Snapshot): void {
    if (this.#lru.delete(snapshot)) this.#used -= snapshot.bytes
  }
}

/** A hash of a render, to tell whether the page shows the render a hit would send. */
export function renderHash (html: string): string {
  return createHash('sha1').update(html).digest('base64url')
}

/** What a hit put back: the render the browser showed, and what changed in the view. */
export interface Restored { html: string, changes: Changes }

/** One view's cached results. */
export class Snapshots {
  readonly #entries = new Map<string, Snapshot>()
  readonly #budget: SnapshotBudget
  /**
   * The browser may hold results this side no longer has (evicted by the
   * budget or the count): on the next change of state it is told which ids
   * are still good, so it drops the others.
   */
  #forgotten = false
  /** The browser holds results that are no longer good: the next reply carries the ids that still are (`keep`). */
  #tell = false

  constructor (budget: SnapshotBudget) {
    this.#budget = budget
  }

  get size (): number { return this.#entries.size }

  /** Whether state changes must be watched: results are kept here, or the browser may hold some. */
  get watching (): boolean { return this.#entries.size > 0 || this.#forgotten }

  /**
   * Keep the properties the handler changed (`changes`) for hits on the same
   * handler and key params, within `ttl`. Returns the snapshot's id
   * (unguessable, so a client cannot put back a result of its choosing), or
   * a reason when the values are not JSON data, or `null` when the result
   * alone is over the socket's budget.
   */
  take (key: string, changes: Changes, html: string, ttl: number): { id: string } | { problem: string } | null {
    const values: Array<[string, string | null]> = []
    let bytes = SNAPSHOT_OVERHEAD_BYTES + key.length
    for (const [name, value] of changes) {
      const problem = value === undefined ? null : jsonDataProblem(value, name) ?? null
      if (problem !== null) return { problem }
      const json = value === undefined ? null : JSON.stringify(value)
      values.push([name, json])
      bytes += name.length + (json?.length ?? 0)
    }
    // A newer result of the same call replaces the old one (so does the browser's).
    for (const entry of this.#entries.values()) if (entry.key === key) this.#drop(entry)
    const now = Date.now()
    for (const entry of this.#entries.values()) if (now - entry.at > entry.ttl) this.#drop(entry)
    const snapshot: Snapshot = { id: randomBytes(9).toString('base64url'), key, values, bytes, at: now, ttl, html: renderHash(html), owner: this }
    if (!this.#budget.add(snapshot)) return null
    this.#entries.set(snapshot.id, snapshot)
    if (this.#entries.size > MAX_SNAPSHOTS) this.evict(this.#entries.values().next().value!)
    // Evicted to make room: the reply that carries this result tells the browser too.
    if (this.#forgotten) {
      this.#forgotten = false
      this.#tell = true
    }
    return { id: snapshot.id }
  }

  /**
   * Put back the values of the snapshot `id` on `view`; `undefined` when it
   * is gone, past its ttl, or was taken for another call.
   */
  restore (id: string, key: string, view: Record<string, unknown>): Restored | undefined {
    const snapshot = this.#entries.get(id)
    if (snapshot === undefined || snapshot.key !== key) return undefined
    if (Date.now() - snapshot.at > snapshot.ttl) {
      this.#drop(snapshot)
      return undefined
    }
    this.#entries.delete(id)
    this.#entries.set(id, snapshot) // most recently used
    this.#budget.touch(snapshot)
    const changes: Changes = new Map()
    for (const [name, json] of snapshot.values) {
      const value = json === null ? undefined : JSON.parse(json)
      if (json === null ? view[name] === undefined : jsonOf(view[name]) === json) continue
      changes.set(name, value)
      view[name] = value
    }
    return { html: snapshot.html, changes }
  }

  /** The browser now holds `html` for the snapshot `id` (a hit whose render differed from the cached one). */
  rendered (id: string, html: string): void {
    const snapshot = this.#entries.get(id)
    if (snapshot !== undefined) snapshot.html = renderHash(html)
  }

  /**
   * A handler (or a hit) changed these properties: every result whose own
   * properties do not cover them may now show something the view no longer
   * holds, so it is dropped (a filter result stays good across other
   * filters, not across an added task).
   */
  changed (changes: Changes): void {
    if (changes.size === 0) return
    for (const entry of this.#entries.values()) {
      if (![...changes.keys()].every((name) => entry.values.some(([own]) => own === name))) {
        this.#drop(entry)
        this.#tell = true
      }
    }
    if (this.#forgotten) {
      this.#forgotten = false
      this.#tell = true
    }
  }

  /** Drop results explicitly (`invalidateCache(name?)`): `handler`'s, or all. */
  invalidate (handler?: string): void {
    for (const entry of this.#entries.values()) {
      if (handler === undefined || entry.key.startsWith(`${handler}[`)) {
        this.#drop(entry)
        this.#tell = true
      }
    }
    // The browser may hold results this side forgot (of any handler): it keeps only the good ones.
    if (this.#forgotten) {
      this.#forgotten = false
      this.#tell = true
    }
  }

  /** The ids the browser may keep, once after results were dropped; `undefined` when it need not be told. */
  takeKeep (): string[] | undefined {
    if (!this.#tell) return undefined
    this.#tell = false
    return [...this.#entries.keys()]
  }

  /** Evicted for room (the socket's budget or the view's count): the browser may still hold it. */
  evict (snapshot: Snapshot): void {
    this.#drop(snapshot)
    this.#forgotten = true
  }

  /** Release everything (the view closed). */
  clear (): void {
    for (const entry of this.#entries.values()) this.#budget.remove(entry)
    this.#entries.clear()
  }

  #drop (snapshot: Snapshot): void {
    this.#entries.delete(snapshot.id)
    this.#budget.remove(snapshot)
  }
}

function isObject (value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

function jsonOf (value: unknown): string | undefined {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined // a cycle, a BigInt: compared by identity only
  }
}
