import { checkTopic, type Delivery, type PubSub } from './pubsub.js'
import type { Meta, Metas, Presence, PresenceDiff } from './presence.js'

// One view's subscriptions and presence (API.md §6). What a view asks for
// before it is joined (in `mount()`, during the HTTP render) is recorded and
// takes effect when it joins; it ends when the view closes. What is recorded
// is plain data, so it travels with the view's state to its join (on any
// process) and, parked, across a reconnect.

/** What a view's channels call back into (lib/session.ts). */
export interface ChannelHost {
  readonly id: string
  /** A message of a subscribed topic arrived. */
  onMessage (topic: string, message: unknown): void
  /** The presence list of a subscribed topic changed. */
  onPresence (topic: string, list: Metas, diff: PresenceDiff): void
  /** An engine call failed where nobody awaits it. */
  failed (err: unknown, what: string): void
}

export interface Engines {
  readonly pubsub: PubSub
  readonly presence: Presence
}

/** Subscriptions and tracks as they travel with a view's state. */
export interface ChannelState {
  topics: string[]
  tracks: Array<[topic: string, key: string, meta: Meta]>
}

/** Most topics one view may subscribe to, and track on. */
export const MAX_TOPICS_PER_VIEW = 100

export class Channels {
  readonly #host: ChannelHost
  readonly #engines: Engines
  /** Topic → its unsubscribe functions, or `null` while the view is not joined. */
  readonly #topics = new Map<string, Array<() => void> | null>()
  readonly #tracks = new Map<string, { key: string, meta: Meta }>()
  #active = false
  #closed = false
  readonly #deliver: Delivery
  readonly #presence: (list: Metas, diff: PresenceDiff, topic: string) => void

  constructor (host: ChannelHost, engines: Engines) {
    this.#host = host
    this.#engines = engines
    this.#deliver = (topic, message) => host.onMessage(topic, message)
    this.#presence = (list, diff, topic) => host.onPresence(topic, list, diff)
  }

  /** Whether `deliver` is this view's own listener (for `exceptSelf`). */
  get listener (): Delivery { return this.#deliver }

  get topicCount (): number { return this.#topics.size }

  subscribe (topic: string): void {
    checkTopic(topic)
    if (this.#closed || this.#topics.has(topic)) return
    if (this.#topics.size >= MAX_TOPICS_PER_VIEW) throw new RangeError(`fastify-live: a view may subscribe to at most ${MAX_TOPICS_PER_VIEW} topics; "${topic}" is one more`)
    this.#topics.set(topic, this.#active ? this.#listen(topic) : null)
  }

  unsubscribe (topic: string): void {
    const off = this.#topics.get(topic)
    this.#topics.delete(topic)
    for (const fn of off ?? []) fn()
  }

  track (topic: string, key: string, meta: Meta): Promise<void> {
    checkTopic(topic)
    if (this.#closed) return Promise.resolve()
    if (!this.#tracks.has(topic) && this.#tracks.size >= MAX_TOPICS_PER_VIEW) {
      return Promise.reject(new RangeError(`fastify-live: a view may track on at most ${MAX_TOPICS_PER_VIEW} topics; "${topic}" is one more`))
    }
    this.#tracks.set(topic, { key, meta })
    return this.#active ? this.#engines.presence.track(topic, this.#host.id, key, meta) : Promise.resolve()
  }

  untrack (topic: string): Promise<void> {
    if (!this.#tracks.delete(topic) || !this.#active) return Promise.resolve()
    return this.#engines.presence.untrack(topic, this.#host.id)
  }

  /** The view joined: what it asked for takes effect. */
  activate (): void {
    if (this.#active || this.#closed) return
    this.#active = true
    for (const topic of this.#topics.keys()) this.#topics.set(topic, this.#listen(topic))
    for (const [topic, { key, meta }] of this.#tracks) {
      this.#engines.presence.track(topic, this.#host.id, key, meta).catch((err) => this.#host.failed(err, `track("${topic}")`))
    }
  }

  /** The view ended: every subscription and track of it goes. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    for (const topic of [...this.#topics.keys()]) this.unsubscribe(topic)
    if (this.#active && this.#tracks.size > 0) this.#engines.presence.untrackAll(this.#host.id).catch((err) => this.#host.failed(err, 'untrack'))
    this.#tracks.clear()
  }

  state (): ChannelState | undefined {
    if (this.#topics.size === 0 && this.#tracks.size === 0) return undefined
    return { topics: [...this.#topics.keys()], tracks: [...this.#tracks].map(([topic, t]) => [topic, t.key, t.meta]) }
  }

  restore (state: ChannelState): void {
    for (const topic of state.topics) this.subscribe(topic)
    for (const [topic, key, meta] of state.tracks) this.#tracks.set(topic, { key, meta })
  }

  #listen (topic: string): Array<() => void> {
    // Every subscriber of a topic hears its presence too (API.md §6).
    const presence = (list: Metas, diff: PresenceDiff): void => this.#presence(list, diff, topic)
    return [this.#engines.pubsub.subscribe(topic, this.#deliver), this.#engines.presence.onChange(topic, presence)]
  }
}
