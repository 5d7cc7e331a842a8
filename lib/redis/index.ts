import { randomBytes } from 'node:crypto'
import type { HandoffStore } from '../handoff.js'
import { RedisHandoffStore } from './handoff-store.js'
import type { Redis } from 'ioredis'
import { FST_LIVE_OPTIONS } from '../errors.js'
import { PresenceCore, type Presence, type PresenceOptions } from '../presence.js'
import type { EngineLog, PubSub } from '../pubsub.js'
import { Channels } from './channels.js'
import { Connections } from './connections.js'
import { DEFAULT_DEADLINE_MS, DEFAULT_HEARTBEAT_MS, RedisPresenceStore, type PresenceTiming } from './presence-store.js'
import { RedisPubSub, type RedisPubSubOptions } from './pubsub.js'

/**
 * The Redis adapter: publish/subscribe and presence shared by every process
 * using the same server and prefix. The only module importing ioredis
 * (through its siblings in this folder).
 */

export interface RedisEngineOptions extends RedisPubSubOptions, Omit<PresenceOptions, 'log'>, PresenceTiming {
  /** A redis:// URL, or an ioredis client the app already has (duplicated, never closed here). */
  redis: string | Redis
  log: EngineLog
  /** Prefix of every key and channel; processes of one app share it. @default 'live:' */
  prefix?: string
}

export interface RedisEngine {
  /** This process's id in Redis (in message envelopes and presence fields). */
  readonly id: string
  readonly pubsub: PubSub
  readonly presence: Presence
  /** Views handed over and parked, for any process of the app to take (lib/redis/handoff-store.ts). */
  readonly handoff: HandoffStore
  /** Resolves once Redis is first reachable (or at close): race it with a timeout to wait at start-up. */
  ready (): Promise<void>
  /** Unsubscribes, removes this process's presence entries, closes the connections it opened, stops its timers. */
  close (): Promise<void>
}

export { expiryBoundMs, DEFAULT_DEADLINE_MS, DEFAULT_HEARTBEAT_MS } from './presence-store.js'

export function redisPubSub (options: RedisEngineOptions): RedisEngine {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS
  if (!(heartbeatMs > 0 && deadlineMs >= 2 * heartbeatMs)) {
    throw new FST_LIVE_OPTIONS(`\`redis\` timing: deadlineMs (${deadlineMs}) must be at least twice heartbeatMs (${heartbeatMs}), so one late beat does not remove a live process's presence`)
  }
  const prefix = options.prefix ?? 'live:'
  const id = randomBytes(9).toString('base64url')
  const connections = new Connections(options.redis, options.log)
  const channels = new Channels(connections.subscriber, options.log)
  const pubsub = new RedisPubSub(connections.command, channels, id, prefix, options.log, options)
  const store = new RedisPresenceStore(connections.command, channels, id, prefix, options.log, { heartbeatMs, deadlineMs })
  const presence = new PresenceCore({ ...options, log: options.log }, store)
  // Subscriptions first: store.up() re-reads lists only after they are confirmed, so no change falls between.
  connections.onUp(() => channels.resubscribe())
  connections.onUp(() => { void store.up() })
  let closing: Promise<void> | undefined
  return {
    id,
    pubsub,
    presence,
    handoff: new RedisHandoffStore(connections.command, prefix),
    ready: () => connections.ready,
    close: () => {
      closing ??= (async () => {
        await presence.close()
        await pubsub.close()
        await connections.close()
      })()
      return closing
    },
  }
}
