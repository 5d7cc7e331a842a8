import { FST_LIVE_PRESENCE } from './errors.js'
import { deepFreeze, encodeJsonData } from './json-data.js'
import { checkTopic, consoleLog, type EngineLog } from './pubsub.js'

/**
 * Presence (API.md §6): who tracks what on a topic, and batched change
 * notices. The entries of this process live here; a backend (Redis, in
 * lib/redis/presence-store.ts) shares them and brings the other processes'.
 *
 * A topic's list is the other processes' entries, as last read from the
 * backend, plus this process's own, which are always current even while
 * Redis is away. Listeners are batched per topic: changes start a timer of
 * `batchMs`; when it fires, the list is rebuilt once (re-read from the
 * backend if another process changed it), compared with the list the
 * listeners saw last, and the net difference is announced with the full
 * list. A thousand joins in a burst are a few calls, and a join undone
 * within the window is no call at all.
 */

export type Meta = Record<string, unknown>
export type Metas = Record<string, Meta[]>
export interface PresenceDiff { joins: Metas, leaves: Metas }
export type PresenceListener = (list: Metas, diff: PresenceDiff) => void

export interface Presence {
  /**
   * Tracks `key` with `meta` on `topic` for the owner `ref` (a unique id per
   * tracking view; one key tracked by two refs has two metas). Re-tracking
   * the same ref and topic replaces its meta. Rejects with FST_LIVE_PRESENCE
   * when the meta is not a plain object of JSON data; never for a Redis outage.
   */
  track (topic: string, ref: string, key: string, meta: Meta): Promise<void>
  untrack (topic: string, ref: string): Promise<void>
  /** Untracks everything of `ref` (its view closed). */
  untrackAll (ref: string): Promise<void>
  /** The current list (read from Redis when there is one). Frozen. */
  list (topic: string): Promise<Metas>
  /** Calls `listener` with the full list and the net diff when the list changes, batched. Returns unlisten. */
  onChange (topic: string, listener: PresenceListener): () => void
  /** Drops every listener and this process's entries (from Redis too). */
  close (): Promise<void>
}

export interface PresenceOptions {
  log?: EngineLog
  /** Changes within this window are announced together. @default 50 */
  batchMs?: number
  /** Largest meta as JSON, in bytes. @default 4096 */
  maxMetaBytes?: number
}

export const DEFAULT_BATCH_MS = 50
export const DEFAULT_MAX_META_BYTES = 4096
const MAX_KEY_LENGTH = 1024

/** One tracked entry; `json` (`[key, meta]`) is what Redis holds and how changes are told apart. */
export interface PresenceEntry { key: string, meta: Meta, json: string }

/** What the presence of this process offers a backend. */
export interface PresenceHost {
  /** Every entry of this process, to write again after the backend lost them. */
  entries (): Iterable<[topic: string, ref: string, json: string]>
}

/** A shared store of entries; fields are `<process id>:<ref>`. Its methods never reject. */
export interface PresenceBackend {
  readonly id: string
  attach (host: PresenceHost): void
  write (topic: string, ref: string, json: string): Promise<void>
  remove (topic: string, ref: string): Promise<void>
  /** Every entry of `topic` by field, or `undefined` when the store is unreachable. */
  fetch (topic: string): Promise<Map<string, string> | undefined>
  /** Calls `changed` when another process changes `topic` (or the store may have changed), until the returned function is called. */
  watch (topic: string, changed: () => void): () => void
  close (): Promise<void>
}

interface Watch {
  readonly listeners: Set<PresenceListener>
  /** The list as the listeners saw it last, by field. */
  last: Map<string, PresenceEntry>
  /** Other processes' entries as last read; `undefined` before the first read. */
  remote: Map<string, PresenceEntry> | undefined
  timer: NodeJS.Timeout | undefined
  running: boolean
  dirty: boolean
  refetch: boolean
  unwatch: () => void
}

function parseEntry (json: string): PresenceEntry {
  const [key, meta] = JSON.parse(json) as [string, Meta]
  return { key, meta: deepFreeze(meta), json }
}

function addTo (metas: Metas, entry: PresenceEntry): void {
  let list = Object.hasOwn(metas, entry.key) ? metas[entry.key] : undefined
  if (list === undefined) {
    list = []
    // A key named __proto__ must become a property, not the prototype.
    Object.defineProperty(metas, entry.key, { value: list, enumerable: true, writable: true, configurable: true })
  }
  list.push(entry.meta)
}

function freezeMetas (metas: Metas): Metas {
  for (const list of Object.values(metas)) Object.freeze(list)
  return Object.freeze(metas)
}

/** Ordered by field, so every process lists the metas of a key in the same order. */
function toMetas (entries: Map<string, PresenceEntry>): Metas {
  const metas: Metas = {}
  for (const field of [...entries.keys()].sort()) addTo(metas, entries.get(field) as PresenceEntry)
  return freezeMetas(metas)
}

/** The net change from `before` to `after`, or `undefined` when there is none. A changed meta is a leave and a join. */
export function diffEntries (before: Map<string, PresenceEntry>, after: Map<string, PresenceEntry>): PresenceDiff | undefined {
  const joins: Metas = {}
  const leaves: Metas = {}
  let changed = false
  for (const [field, entry] of after) {
    const old = before.get(field)
    if (old !== undefined && old.json === entry.json) continue
    if (old !== undefined) addTo(leaves, old)
    addTo(joins, entry)
    changed = true
  }
  for (const [field, old] of before) {
    if (after.has(field)) continue
    addTo(leaves, old)
    changed = true
  }
  return changed ? { joins: freezeMetas(joins), leaves: freezeMetas(leaves) } : undefined
}

export class PresenceCore implements Presence, PresenceHost {
  readonly #local = new Map<string, Map<string, PresenceEntry>>()
  readonly #refs = new Map<string, Set<string>>()
  readonly #watches = new Map<string, Watch>()
  readonly #log: EngineLog
  readonly #batchMs: number
  readonly #maxMetaBytes: number
  readonly #backend: PresenceBackend | undefined
  readonly #own: string
  #closed = false

  constructor (options: PresenceOptions = {}, backend?: PresenceBackend) {
    this.#log = options.log ?? consoleLog
    this.#batchMs = options.batchMs ?? DEFAULT_BATCH_MS
    this.#maxMetaBytes = options.maxMetaBytes ?? DEFAULT_MAX_META_BYTES
    this.#backend = backend
    this.#own = `${backend?.id ?? 'local'}:`
    backend?.attach(this)
  }

  * entries (): Iterable<[string, string, string]> {
    for (const [topic, refs] of this.#local) {
      for (const [ref, entry] of refs) yield [topic, ref, entry.json]
    }
  }

  async track (topic: string, ref: string, key: string, meta: Meta): Promise<void> {
    checkTopic(topic)
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new FST_LIVE_PRESENCE(JSON.stringify(topic), `the key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters, got ${typeof key === 'string' ? `${key.length} characters` : typeof key}`)
    }
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new FST_LIVE_PRESENCE(JSON.stringify(topic), `the meta must be a plain object, got ${meta === null ? 'null' : Array.isArray(meta) ? 'an array' : typeof meta}`)
    }
    const encoded = encodeJsonData(meta, 'meta', this.#maxMetaBytes)
    if (encoded.problem !== undefined) throw new FST_LIVE_PRESENCE(JSON.stringify(topic), encoded.problem)
    if (this.#closed) return
    const json = `[${JSON.stringify(key)},${encoded.json}]`
    let refs = this.#local.get(topic)
    if (refs === undefined) {
      refs = new Map()
      this.#local.set(topic, refs)
    }
    if (refs.get(ref)?.json === json) return
    refs.set(ref, { key, meta: deepFreeze(JSON.parse(encoded.json) as Meta), json })
    let topics = this.#refs.get(ref)
    if (topics === undefined) {
      topics = new Set()
      this.#refs.set(ref, topics)
    }
    topics.add(topic)
    this.#changed(topic)
    await this.#backend?.write(topic, ref, json)
  }

  async untrack (topic: string, ref: string): Promise<void> {
    const refs = this.#local.get(topic)
    if (refs === undefined || !refs.delete(ref)) return
    if (refs.size === 0) this.#local.delete(topic)
    const topics = this.#refs.get(ref) as Set<string>
    topics.delete(topic)
    if (topics.size === 0) this.#refs.delete(ref)
    this.#changed(topic)
    await this.#backend?.remove(topic, ref)
  }

  async untrackAll (ref: string): Promise<void> {
    const topics = this.#refs.get(ref)
    if (topics === undefined) return
    await Promise.all([...topics].map((topic) => this.untrack(topic, ref)))
  }

  async list (topic: string): Promise<Metas> {
    checkTopic(topic)
    let remote = this.#watches.get(topic)?.remote
    if (this.#backend !== undefined) {
      const raw = await this.#backend.fetch(topic)
      if (raw !== undefined) remote = this.#parseRemote(raw, remote)
    }
    return toMetas(this.#current(topic, remote))
  }

  onChange (topic: string, listener: PresenceListener): () => void {
    checkTopic(topic)
    if (this.#closed) return () => {}
    let watch = this.#watches.get(topic)
    if (watch === undefined) {
      const created: Watch = {
        listeners: new Set(),
        last: this.#current(topic, undefined),
        remote: undefined,
        timer: undefined,
        running: false,
        dirty: false,
        refetch: false,
        unwatch: () => {},
      }
      watch = created
      this.#watches.set(topic, created)
      if (this.#backend !== undefined) {
        created.unwatch = this.#backend.watch(topic, () => {
          created.refetch = true
          this.#schedule(topic, created)
        })
        created.refetch = true
        this.#schedule(topic, created)
      }
    }
    const active = watch
    active.listeners.add(listener)
    return () => {
      if (!active.listeners.delete(listener) || active.listeners.size > 0) return
      this.#unwatch(topic, active)
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const [topic, watch] of this.#watches) this.#unwatch(topic, watch)
    this.#local.clear()
    this.#refs.clear()
    await this.#backend?.close()
  }

  #unwatch (topic: string, watch: Watch): void {
    clearTimeout(watch.timer)
    watch.timer = undefined
    watch.unwatch()
    this.#watches.delete(topic)
  }

  /** Other processes' entries of `raw`, reusing the parsed entries of `previous` whose text is unchanged. */
  #parseRemote (raw: Map<string, string>, previous: Map<string, PresenceEntry> | undefined): Map<string, PresenceEntry> {
    const remote = new Map<string, PresenceEntry>()
    for (const [field, json] of raw) {
      if (field.startsWith(this.#own)) continue
      const old = previous?.get(field)
      remote.set(field, old !== undefined && old.json === json ? old : parseEntry(json))
    }
    return remote
  }

  #current (topic: string, remote: Map<string, PresenceEntry> | undefined): Map<string, PresenceEntry> {
    const entries = new Map(remote)
    const refs = this.#local.get(topic)
    if (refs !== undefined) for (const [ref, entry] of refs) entries.set(this.#own + ref, entry)
    return entries
  }

  #changed (topic: string): void {
    const watch = this.#watches.get(topic)
    if (watch !== undefined) this.#schedule(topic, watch)
  }

  #schedule (topic: string, watch: Watch): void {
    watch.dirty = true
    if (watch.timer !== undefined || watch.running) return
    watch.timer = setTimeout(() => { void this.#flush(topic, watch) }, this.#batchMs)
  }

  async #flush (topic: string, watch: Watch): Promise<void> {
    watch.timer = undefined
    watch.dirty = false
    watch.running = true
    try {
      if (watch.refetch) {
        watch.refetch = false
        const raw = await (this.#backend as PresenceBackend).fetch(topic)
        if (raw !== undefined) {
          const remote = this.#parseRemote(raw, watch.remote)
          // What others had before this process listened is the starting point, not news.
          if (watch.remote === undefined) for (const [field, entry] of remote) if (!watch.last.has(field)) watch.last.set(field, entry)
          watch.remote = remote
        } else {
          // Redis is away: the listeners were told (and list() answered) this
          // process's entries only, so whatever others have is news when it is back.
          watch.remote ??= new Map()
        }
      }
      if (this.#watches.get(topic) !== watch) return
      const now = this.#current(topic, watch.remote)
      const diff = diffEntries(watch.last, now)
      watch.last = now
      if (diff === undefined) return
      const list = toMetas(now)
      for (const listener of [...watch.listeners]) {
        try {
          listener(list, diff)
        } catch (err) {
          this.#log.error({ err, topic }, 'fastify-live: a presence listener threw; the other listeners still got the change')
        }
      }
    } catch (err) {
      /* c8 ignore next 2 -- only a foreign writer under our prefix can make an entry unreadable */
      this.#log.error({ err, topic }, 'fastify-live: could not read the presence list')
    } finally {
      watch.running = false
      if (watch.dirty && this.#watches.get(topic) === watch) {
        watch.dirty = false
        this.#schedule(topic, watch)
      }
    }
  }
}

/** Presence within this process (the default, without Redis). */
export function memoryPresence (options: PresenceOptions = {}): Presence {
  return new PresenceCore(options)
}
