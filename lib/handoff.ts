// Where a view's state waits between an HTTP render and its WebSocket join,
// so the join adopts the rendered state instead of mounting a second time.
// Entries are serialized (a string), so a shared store (Redis) can hold them
// and any process can take them; each is taken once, and expires when it is
// never taken.

export interface HandoffStore {
  /** Keep `entry` under `id` for `ttl` ms. */
  put (id: string, entry: string, ttl: number): Promise<void>
  /** Remove and return the entry; `undefined` when absent or expired. Only one of two racing takes gets it. */
  take (id: string): Promise<string | undefined>
  /** Remove the entry only while it is still `entry` (not another process's park of the view since); true when it did. */
  drop (id: string, entry: string): Promise<boolean>
  close (): Promise<void>
}

/** The in-process store: bounded in entries and bytes (the oldest go first), and in time. */
export class MemoryHandoffStore implements HandoffStore {
  readonly #entries = new Map<string, { entry: string, timer: NodeJS.Timeout }>()
  readonly #maxEntries: number
  readonly #maxChars: number
  #chars = 0

  /** `maxChars`: the entries' total length (a character of JSON is one byte or two). */
  constructor (maxEntries: number, maxChars = Infinity) {
    this.#maxEntries = maxEntries
    this.#maxChars = maxChars
  }

  get size (): number { return this.#entries.size }
  /** The entries' total length. */
  get chars (): number { return this.#chars }

  async put (id: string, entry: string, ttl: number): Promise<void> {
    this.#drop(id)
    while (this.#entries.size > 0 && (this.#entries.size >= this.#maxEntries || this.#chars + entry.length > this.#maxChars)) {
      this.#drop(this.#entries.keys().next().value!)
    }
    this.#chars += entry.length
    const timer = setTimeout(() => this.#drop(id), ttl)
    timer.unref()
    this.#entries.set(id, { entry, timer })
  }

  async take (id: string): Promise<string | undefined> {
    return this.#drop(id)
  }

  async drop (id: string, entry: string): Promise<boolean> {
    return this.#entries.get(id)?.entry === entry && this.#drop(id) !== undefined
  }

  async close (): Promise<void> {
    for (const id of [...this.#entries.keys()]) this.#drop(id)
  }

  #drop (id: string): string | undefined {
    const held = this.#entries.get(id)
    if (held === undefined) return undefined
    clearTimeout(held.timer)
    this.#entries.delete(id)
    this.#chars -= held.entry.length
    return held.entry
  }
}

/** What a view handed to its join must offer (lib/session.ts). */
export interface Handable {
  readonly id: string
  readonly closed: boolean
  readonly log: { warn (obj: object, msg: string): void }
  /** The entry to store; `undefined` when its state is not portable. */
  serialize (): string | undefined
  /** Release it: it lives on elsewhere. */
  close (): void
  /** End it for good (nobody joined it): its `unmount()` runs. */
  end (): void
}

/** An entry whose state could not be serialized: only this process's live instance can be joined. */
const LOCAL_ONLY = '-'
/** How much longer the store keeps a handed-over entry than its live instance waits. */
const EXPIRY_GRACE_MS = 2000

/**
 * Hands views from their HTTP render to their join. The serialized entry goes
 * to the store, where any process can take it (once); the live instance also
 * stays in this process, so a join that lands here keeps what `mount()` made
 * that JSON cannot carry (running tasks, private fields). Both expire after
 * `ttl`; the live instances are bounded by `maxLocal`.
 */
export class Handoff<S extends Handable> {
  readonly #store: HandoffStore
  readonly #ttl: number
  readonly #maxLocal: number
  /** `entry`: what this process put in the store for it, to tell its own handoff from a park by another process. */
  readonly #local = new Map<string, { session: S, timer: NodeJS.Timeout, entry: string }>()
  /** Puts in flight, so a join that races its own page's handoff waits for it. */
  readonly #puts = new Map<string, Promise<void>>()

  constructor (store: HandoffStore, ttl: number, maxLocal: number) {
    this.#store = store
    this.#ttl = ttl
    this.#maxLocal = maxLocal
  }

  get size (): number { return this.#local.size }

  /** Hand `session` to its join. Never rejects: a store that fails is logged, and the join mounts again. */
  keep (session: S): Promise<void> {
    this.#dropLocal(session.id, 'end')
    if (this.#local.size >= this.#maxLocal) this.#dropLocal(this.#local.keys().next().value!, 'end')
    const timer = setTimeout(() => { void this.#expire(session.id) }, this.#ttl)
    timer.unref()
    const entry = session.serialize() ?? LOCAL_ONLY
    this.#local.set(session.id, { session, timer, entry })
    // The store keeps the entry a little longer than the live instance waits, so that when its wait ends, the entry tells whether another process took the view.
    const put = this.#store.put(session.id, entry, this.#ttl + EXPIRY_GRACE_MS)
      .catch((err: unknown) => session.log.warn({ err }, `fastify-live: the handoff store could not keep the view ${session.id}; its join will mount it again`))
      .finally(() => this.#puts.delete(session.id))
    this.#puts.set(session.id, put)
    return put
  }

  /**
   * The view `id` for its join: `live` when this process rendered it, else
   * the `entry` to adopt; `undefined` when it was never handed over, has
   * expired or was taken already.
   */
  async take (id: string): Promise<{ live: S } | { entry: string } | undefined> {
    await this.#puts.get(id)
    let entry: string | undefined
    let own: boolean
    try {
      entry = await this.#store.take(id)
      // Not the entry this process put: another process took that one, and the view it joined there was parked since (a newer state): the parked entry wins.
      own = entry !== undefined && entry === this.#local.get(id)?.entry
    } catch {
      // The store is away (Redis down): the join mounts the view again, and this process's live instance, if any, is still its own.
      own = this.#local.has(id)
      entry = own ? LOCAL_ONLY : undefined
    }
    // No entry, or another's: another process took it (the view lives on there or is parked) or it expired.
    const live = this.#dropLocal(id, own ? 'keep' : 'release')
    if (entry === undefined) return undefined
    if (live !== undefined && !live.closed) return { live }
    return entry === LOCAL_ONLY ? undefined : { entry }
  }

  /** Keep a parked view's entry (its live instance has ended) for `ttl` ms: a rejoin on any process resumes it. */
  async park (id: string, entry: string, ttl: number, log: Handable['log']): Promise<void> {
    try {
      await this.#store.put(id, entry, ttl)
    } catch (err) {
      log.warn({ err }, `fastify-live: the view ${id} could not be parked; a rejoin will mount it again`)
    }
  }

  /** The live instance waited `ttl` unjoined: ended when its entry is still there, released when another process took it. */
  async #expire (id: string): Promise<void> {
    const held = this.#local.get(id)
    if (held === undefined) return
    let mine: boolean
    try {
      // Only its own entry: when another process took the view and parked it since, the park must stay for the page's rejoin.
      mine = await this.#store.drop(id, held.entry)
    } catch {
      mine = true // the store is away: nobody else can have taken it
    }
    this.#dropLocal(id, mine ? 'end' : 'release')
  }

  async close (): Promise<void> {
    for (const id of [...this.#local.keys()]) this.#dropLocal(id, 'end')
    await this.#store.close()
  }

  /** Forget the live instance of `id`: hand it back (`keep`), release it (it lives on elsewhere), or `end` it (nobody joined it). */
  #dropLocal (id: string, how: 'keep' | 'release' | 'end'): S | undefined {
    const held = this.#local.get(id)
    if (held === undefined) return undefined
    clearTimeout(held.timer)
    this.#local.delete(id)
    if (how === 'keep') return held.session
    if (how === 'end') held.session.end()
    else held.session.close()
    return undefined
  }
}
