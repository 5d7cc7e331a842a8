import type { Redis } from 'ioredis'
import { decodeMessage, LocalFirstPubSub, LocalTopics, type Delivery, type EngineLog, type PubSub, type PubSubOptions } from '../pubsub.js'
import type { Channels } from './channels.js'
import { replyErrors } from './connections.js'

/**
 * Publish/subscribe across processes. Local listeners are served at once
 * from this process; the message crosses Redis once, as
 * `<process id> <json>` on the topic's channel, and Redis hands it once to
 * every process subscribed to that channel. A process subscribes to a
 * topic's channel only while it has listeners of it, and skips its own
 * messages (the id) since its listeners already have them.
 */

export interface RedisPubSubOptions extends PubSubOptions {
  /** Size (UTF-16 units of the envelopes, about bytes) of messages handed to Redis and not yet acknowledged, past which more are dropped, not queued. @default 8 MiB */
  maxPendingBytes?: number
}

export const DEFAULT_MAX_PENDING_BYTES = 8 * 1024 * 1024

export class RedisPubSub extends LocalFirstPubSub implements PubSub {
  readonly #command: Redis
  readonly #channels: Channels
  readonly #id: string
  readonly #prefix: string
  readonly #log: EngineLog
  readonly #maxPending: number
  readonly #failed: (err: unknown) => void
  #pending = 0
  #dropping = false

  constructor (command: Redis, channels: Channels, id: string, prefix: string, log: EngineLog, options: RedisPubSubOptions = {}) {
    super(new LocalTopics(
      log,
      (topic) => channels.add(`${prefix}m:${topic}`, (payload) => this.#receive(topic, payload)),
      (topic) => channels.remove(`${prefix}m:${topic}`),
    ), options.maxMessageBytes)
    this.#command = command
    this.#channels = channels
    this.#id = id
    this.#prefix = `${prefix}m:`
    this.#log = log
    this.#failed = replyErrors(log)
    this.#maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES
  }

  async publish (topic: string, message: unknown, except?: Delivery): Promise<void> {
    const json = this.publishHere(topic, message, except)
    if (json === undefined) return
    const payload = `${this.#id} ${json}`
    if (this.#pending + payload.length > this.#maxPending) {
      if (!this.#dropping) {
        this.#dropping = true
        this.#log.warn({ topic, pendingBytes: this.#pending }, 'fastify-live: Redis is not keeping up with publishes; messages to other processes are dropped until it catches up (local delivery continues)')
      }
      return
    }
    this.#pending += payload.length
    try {
      await this.#command.publish(this.#prefix + topic, payload)
    } catch (err) {
      // Redis is away (the outage is logged once by Connections), or refused.
      this.#failed(err)
    } finally {
      this.#pending -= payload.length
      if (this.#pending === 0) this.#dropping = false
    }
  }

  async synced (): Promise<void> { await this.#channels.synced() }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const topic of this.local.names()) this.#channels.remove(this.#prefix + topic)
    this.local.clear()
    await this.#channels.synced()
  }

  #receive (topic: string, payload: string): void {
    const space = payload.indexOf(' ')
    if (payload.slice(0, space) === this.#id) return
    this.local.deliver(topic, decodeMessage(payload.slice(space + 1)))
  }
}
