import { Redis, type RedisOptions } from 'ioredis'
import { FST_LIVE_OPTIONS } from '../errors.js'
import type { EngineLog } from '../pubsub.js'

/**
 * The two connections the engine owns (a subscriber connection cannot run
 * other commands) and the one place that watches their health, so an outage
 * is logged once when it starts and once when it ends, never per message.
 */

/** Options of every connection the engine opens, whatever the app's client uses. */
const OWN: RedisOptions = {
  // Commands fail at once while Redis is away instead of queueing without bound.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // Subscriptions are restored by lib/redis/channels.ts from what listeners need now.
  autoResubscribe: false,
  // Reconnect forever, at most a second apart.
  retryStrategy: (times: number) => Math.min(times * 100, 1000),
  // The classic subscriber mode and reply shapes, whatever the client library defaults to.
  protocol: 2,
  // Keys and channels carry the engine's own prefix only.
  keyPrefix: undefined,
  lazyConnect: false,
  connectionName: 'fastify-live',
}

function isClient (value: unknown): value is Redis {
  return typeof value === 'object' && value !== null && typeof (value as Redis).duplicate === 'function'
}

function open (redis: string | Redis): Redis {
  if (typeof redis === 'string') return new Redis(redis, OWN)
  if (isClient(redis)) return redis.duplicate(OWN)
  throw new FST_LIVE_OPTIONS('`redis`: expected a redis:// URL or an ioredis client')
}

export class Connections {
  readonly command: Redis
  readonly subscriber: Redis
  readonly #log: EngineLog
  readonly #onUp: Array<() => void> = []
  #up = false
  #outage = false
  #closing = false
  #lastError: Error | undefined
  #resolveReady: () => void = () => {}
  /** Resolves when both connections are first ready, or at close. */
  readonly ready: Promise<void>

  /** `redis`: a URL, or the app's ioredis client, which is duplicated and never closed here. */
  constructor (redis: string | Redis, log: EngineLog) {
    this.#log = log
    this.command = open(redis)
    this.subscriber = open(redis)
    this.ready = new Promise((resolve) => { this.#resolveReady = resolve })
    for (const connection of [this.command, this.subscriber]) {
      connection.on('error', (err: Error) => { this.#lastError = err })
      connection.on('close', () => this.#down())
      connection.on('ready', () => this.#check())
    }
  }

  /** `fn` runs every time both connections are ready: at start and after each outage. */
  onUp (fn: () => void): void { this.#onUp.push(fn) }

  get up (): boolean { return this.#up }

  #down (): void {
    this.#up = false
    if (this.#outage || this.#closing) return
    this.#outage = true
    const err = this.#lastError
    this.#log.warn({ err }, 'fastify-live: Redis is unreachable; local delivery continues, cross-process delivery and presence wait until it is back')
  }

  #check (): void {
    if (this.#up || this.command.status !== 'ready' || this.subscriber.status !== 'ready') return
    this.#up = true
    if (this.#outage) {
      this.#outage = false
      this.#log.info({}, 'fastify-live: Redis is back; cross-process delivery and presence resumed')
    }
    this.#resolveReady()
    for (const fn of this.#onUp) fn()
  }

  /** Closes both connections: politely when possible, at once otherwise or after a second. */
  async close (): Promise<void> {
    this.#closing = true
    this.#resolveReady()
    await Promise.all([this.command, this.subscriber].map(async (connection) => {
      if (connection.status === 'ready') {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          connection.quit().catch(() => {}),
          new Promise((resolve) => { timer = setTimeout(resolve, 1000) }),
        ])
        clearTimeout(timer)
      }
      connection.disconnect()
    }))
  }
}

/**
 * A reporter for errors Redis answered with (a key of the wrong type under
 * the prefix, a command an ACL refuses): each distinct message is logged
 * once. Connection errors are the outage's, logged once by Connections.
 */
export function replyErrors (log: EngineLog): (err: unknown) => void {
  const seen = new Set<string>()
  return (err) => {
    const { name, message } = err as Error
    if (name !== 'ReplyError' || seen.has(message) || seen.size >= 100) return
    seen.add(message)
    log.error({ err }, 'fastify-live: Redis refused a command of the pub/sub engine; check that nothing else writes under its prefix and that its user may run scripts and PUBLISH/SUBSCRIBE')
  }
}
