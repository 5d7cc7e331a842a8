import type { Redis } from 'ioredis'
import type { HandoffStore } from '../handoff.js'

const DROP_IF_SAME = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"

/**
 * Views handed from an HTTP render to their join, and views parked across a
 * reconnect, in Redis: any process of the app can take them. An entry is a
 * key with a TTL (`SET … PX`); taking is `GETDEL`, atomic, so of two joins
 * racing for one view only one gets it. While Redis is away, puts and takes
 * fail at once (the engine's connections have no offline queue) and a join
 * mounts the view again.
 */
export class RedisHandoffStore implements HandoffStore {
  readonly #redis: Redis
  readonly #prefix: string

  constructor (redis: Redis, prefix: string) {
    this.#redis = redis
    this.#prefix = `${prefix}view:`
  }

  async put (id: string, entry: string, ttl: number): Promise<void> {
    await this.#redis.set(this.#prefix + id, entry, 'PX', Math.max(1, Math.round(ttl)))
  }

  async take (id: string): Promise<string | undefined> {
    return (await this.#redis.getdel(this.#prefix + id)) ?? undefined
  }

  async drop (id: string, entry: string): Promise<boolean> {
    // compare and delete in one step: a park written between a GET and a DEL would be lost
    return await this.#redis.eval(DROP_IF_SAME, 1, this.#prefix + id, entry) === 1
  }

  /** The connection is the engine's: it closes it. */
  async close (): Promise<void> {}
}
