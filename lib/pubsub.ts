import { FST_LIVE_PUBLISH, FST_LIVE_TOPIC } from './errors.js'
import { deepFreeze, encodeJsonData } from './json-data.js'

/**
 * Publish/subscribe between views (API.md §6): the interface, the local
 * registry of listeners every implementation delivers through, and the
 * in-process implementation. lib/redis/pubsub.ts spans processes with the
 * same registry.
 */

export type Delivery = (topic: string, message: unknown) => void

export interface PubSub {
  /**
   * Adds a local listener of `topic`. The first local listener of a topic
   * makes the process subscribe (over Redis: one SUBSCRIBE per topic per
   * process), the last one leaving unsubscribes. Returns the unsubscribe
   * function (idempotent). Subscribing one function twice to a topic
   * delivers once and takes two unsubscribes.
   */
  subscribe (topic: string, listener: Delivery): () => void
  /**
   * Checks that `message` is JSON data within the size limit (rejects with
   * FST_LIVE_PUBLISH naming the offending path otherwise), delivers it
   * synchronously to the local listeners of `topic` except `except`, then
   * once to every other process with listeners. Every listener receives the
   * same deep-frozen copy, never the publisher's object. Resolves when the
   * message is handed to Redis; a Redis outage never rejects it.
   */
  publish (topic: string, message: unknown, except?: Delivery): Promise<void>
  /** Topics with local listeners (goes back to 0 when all unsubscribe). */
  readonly topics: number
  /** Resolves once every subscription change made so far is in effect on Redis (at once in memory). */
  synced (): Promise<void>
  /** Drops every listener; later publishes deliver nothing and subscribes do nothing. */
  close (): Promise<void>
}

/** Where the engine reports (a Fastify logger fits). */
export interface EngineLog {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface PubSubOptions {
  log?: EngineLog
  /** Largest message as JSON, in bytes. @default 65536 */
  maxMessageBytes?: number
}

export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_TOPIC_LENGTH = 1024

/* c8 ignore next 5 -- the fallback when no logger is given; tests pass one */
export const consoleLog: EngineLog = {
  info () {},
  warn (obj, msg) { console.warn(msg, obj) },
  error (obj, msg) { console.error(msg, obj) },
}

export function checkTopic (topic: unknown): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw new FST_LIVE_TOPIC(typeof topic === 'string' ? JSON.stringify(topic.slice(0, 40)) : String(topic))
  }
}

/** The JSON text of a message, or a coded error saying why it cannot be published. */
export function encodeMessage (topic: string, message: unknown, maxBytes: number): string {
  const { json, problem } = encodeJsonData(message, 'message', maxBytes)
  if (problem !== undefined) throw new FST_LIVE_PUBLISH(JSON.stringify(topic), problem)
  return json
}

/** One parsed, frozen copy per delivery, shared by every listener. */
export function decodeMessage (json: string): unknown {
  return deepFreeze(JSON.parse(json))
}

/**
 * The listeners of this process, per topic. `onFirst`/`onLast` tell an
 * implementation when a topic gains its first or loses its last listener
 * (where Redis subscribes and unsubscribes).
 */
export class LocalTopics {
  readonly #topics = new Map<string, Map<Delivery, number>>()
  /**
   * Each topic's listeners as an array, made at its first delivery after a
   * change: a delivery walks it, so listeners that (un)subscribe while being
   * called change the next delivery, not this one, without copying 10,000
   * listeners for every message of a room that does not change.
   */
  readonly #called = new Map<string, Delivery[]>()

  constructor (
    readonly log: EngineLog,
    readonly onFirst: (topic: string) => void = () => {},
    readonly onLast: (topic: string) => void = () => {},
  ) {}

  get size (): number { return this.#topics.size }

  names (): IterableIterator<string> { return this.#topics.keys() }

  has (topic: string): boolean { return this.#topics.has(topic) }

  add (topic: string, listener: Delivery): () => void {
    checkTopic(topic)
    let listeners = this.#topics.get(topic)
    if (listeners === undefined) {
      listeners = new Map()
      this.#topics.set(topic, listeners)
      this.onFirst(topic)
    }
    listeners.set(listener, (listeners.get(listener) ?? 0) + 1)
    this.#called.delete(topic)
    let done = false
    return () => {
      if (done) return
      done = true
      this.#remove(topic, listener)
    }
  }

  #remove (topic: string, listener: Delivery): void {
    const listeners = this.#topics.get(topic)
    if (listeners === undefined) return // cleared by close()
    const count = listeners.get(listener) as number
    this.#called.delete(topic)
    if (count > 1) {
      listeners.set(listener, count - 1)
      return
    }
    listeners.delete(listener)
    if (listeners.size === 0) {
      this.#topics.delete(topic)
      this.onLast(topic)
    }
  }

  /**
   * Calls every listener of `topic` but `except`, in subscription order.
   * Listeners that (un)subscribe while being called change the next
   * delivery, not this one; one that throws is logged and the others still
   * run.
   */
  deliver (topic: string, message: unknown, except?: Delivery): void {
    let called = this.#called.get(topic)
    if (called === undefined) {
      const listeners = this.#topics.get(topic)
      if (listeners === undefined) return
      called = [...listeners.keys()]
      this.#called.set(topic, called)
    }
    for (const listener of called) {
      if (listener === except) continue
      try {
        listener(topic, message)
      } catch (err) {
        this.log.error({ err, topic }, 'fastify-live: a pub/sub listener threw; the other listeners still got the message')
      }
    }
  }

  clear (): void {
    this.#topics.clear()
    this.#called.clear()
  }
}

/**
 * What every engine does in this process: its listeners, and the checks of a
 * publish (topic, JSON data, size), which fail before anything is sent.
 */
export abstract class LocalFirstPubSub {
  protected readonly local: LocalTopics
  protected readonly maxBytes: number
  protected closed = false

  constructor (local: LocalTopics, maxBytes: number | undefined) {
    this.local = local
    this.maxBytes = maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  }

  subscribe (topic: string, listener: Delivery): () => void {
    if (this.closed) return () => {}
    return this.local.add(topic, listener)
  }

  get topics (): number { return this.local.size }

  /** Checks and encodes `message`, and hands it to this process's listeners: its JSON, or `undefined` once closed. */
  protected publishHere (topic: string, message: unknown, except: Delivery | undefined): string | undefined {
    checkTopic(topic)
    const json = encodeMessage(topic, message, this.maxBytes)
    if (this.closed) return undefined
    if (this.local.has(topic)) this.local.deliver(topic, decodeMessage(json), except)
    return json
  }
}

class MemoryPubSub extends LocalFirstPubSub implements PubSub {
  constructor (options: PubSubOptions) {
    super(new LocalTopics(options.log ?? consoleLog), options.maxMessageBytes)
  }

  async publish (topic: string, message: unknown, except?: Delivery): Promise<void> {
    this.publishHere(topic, message, except)
  }

  async synced (): Promise<void> {}

  async close (): Promise<void> {
    this.closed = true
    this.local.clear()
  }
}

export function memoryPubSub (options: PubSubOptions = {}): PubSub {
  return new MemoryPubSub(options)
}
