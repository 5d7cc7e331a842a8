import type { Redis } from 'ioredis'
import type { EngineLog } from '../pubsub.js'
import { replyErrors } from './connections.js'

/**
 * The subscriber connection's channels: one handler per channel, subscribed
 * while it has one. After a reconnect the server knows none of them, so
 * every channel held at that moment is subscribed again (what was added or
 * removed during the outage is simply part of that set or not), before
 * anything re-reads what it may have missed.
 */
export class Channels {
  readonly #subscriber: Redis
  readonly #log: EngineLog
  readonly #handlers = new Map<string, (payload: string) => void>()
  readonly #failed: (err: unknown) => void
  #last: Promise<unknown> = Promise.resolve()

  constructor (subscriber: Redis, log: EngineLog) {
    this.#subscriber = subscriber
    this.#log = log
    this.#failed = replyErrors(log)
    subscriber.on('message', (channel: string, payload: string) => {
      const handler = this.#handlers.get(channel)
      if (handler === undefined) return // a message sent before our UNSUBSCRIBE took effect
      try {
        handler(payload)
      } catch (err) {
        this.#log.error({ err, channel }, 'fastify-live: could not handle a message from Redis')
      }
    })
  }

  /** After a reconnect (lib/redis/index.ts calls it first when Redis is up): subscribe to every channel held now. */
  resubscribe (): void {
    if (this.#handlers.size > 0) this.#send('subscribe', [...this.#handlers.keys()])
  }

  /** Channels subscribed (or to subscribe once Redis is back). */
  get size (): number { return this.#handlers.size }

  add (channel: string, handler: (payload: string) => void): void {
    this.#handlers.set(channel, handler)
    this.#send('subscribe', [channel])
  }

  remove (channel: string): void {
    this.#handlers.delete(channel)
    this.#send('unsubscribe', [channel])
  }

  /** Resolves when the server has confirmed every change sent so far (they are answered in order). */
  async synced (): Promise<void> {
    await this.#last
  }

  #send (command: 'subscribe' | 'unsubscribe', channels: string[]): void {
    // While Redis is away the command would fail; the 'ready' handler catches up.
    if (this.#subscriber.status !== 'ready') return
    this.#last = this.#subscriber[command](...channels).catch(this.#failed)
  }
}
