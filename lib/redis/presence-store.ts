import type { Redis } from 'ioredis'
import type { PresenceBackend, PresenceHost } from '../presence.js'
import type { EngineLog } from '../pubsub.js'
import type { Channels } from './channels.js'
import { replyErrors } from './connections.js'

/**
 * Presence entries in Redis, shared by every process (docs/pubsub.md, "How
 * it works across processes"):
 *
 *   <prefix>presence:<topic>   hash   <process id>:<ref> → JSON [key, meta]
 *   <prefix>process:<id>       set    JSON [topic, field] of each entry of that process
 *   <prefix>processes          zset   process id → deadline (ms, Redis clock)
 *   <prefix>p:<topic>          channel: the id of the process whose entries changed
 *
 * Redis 7.0 cannot expire hash fields, so liveness is the sorted set: each
 * process moves its deadline forward every `heartbeatMs`, and every beat also
 * sweeps the processes whose deadline has passed, removing their entries and
 * announcing it. Every change runs as one script, so no reader sees half of
 * it. A process that finds itself unregistered (Redis restarted, or it was
 * swept while stalled) writes all its entries again.
 */

export interface PresenceTiming {
  /** How often a process proves it is alive and sweeps dead ones. @default 3000 */
  heartbeatMs?: number
  /** How long after its last beat a silent process's entries are removed. @default 9000 */
  deadlineMs?: number
}

export const DEFAULT_HEARTBEAT_MS = 3000
export const DEFAULT_DEADLINE_MS = 9000

/**
 * The longest a dead process's entries stay in others' lists: its deadline
 * runs out at most `deadlineMs` after its last beat (it may die just after
 * one), a live process sweeps within `heartbeatMs` after that, and listeners
 * hear it within one batch window (plus a read of the list).
 */
export function expiryBoundMs (timing: Required<PresenceTiming>, batchMs: number): number {
  return timing.deadlineMs + timing.heartbeatMs + batchMs
}

const NOW = `local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)`

// KEYS: processes; ARGV: prefix. Shared by LEAVE and BEAT.
const DROP = `local function drop (pid)
  local set = ARGV[1] .. 'process:' .. pid
  local topics = {}
  for _, member in ipairs(redis.call('SMEMBERS', set)) do
    local entry = cjson.decode(member)
    redis.call('HDEL', ARGV[1] .. 'presence:' .. entry[1], entry[2])
    topics[entry[1]] = true
  end
  redis.call('DEL', set)
  redis.call('ZREM', KEYS[1], pid)
  for topic in pairs(topics) do redis.call('PUBLISH', ARGV[1] .. 'p:' .. topic, pid) end
end`

const SCRIPTS = {
  // KEYS: hash, process set, processes; ARGV: field, json, member, id, deadlineMs, channel.
  // Returns 0 when the process was not registered or past its deadline (then it writes everything again).
  liveTrack: {
    numberOfKeys: 3,
    lua: `${NOW}
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
local known = redis.call('ZSCORE', KEYS[3], ARGV[4])
if known and tonumber(known) <= now then known = false end
if not known then redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), ARGV[4]) end
redis.call('PUBLISH', ARGV[6], ARGV[4])
if known then return 1 end
return 0`,
  },
  // KEYS: hash, process set; ARGV: field, member, channel, id.
  liveUntrack: {
    numberOfKeys: 2,
    lua: `redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])`,
  },
  // KEYS: processes; ARGV: prefix, id, deadlineMs. Returns {was registered (0/1), processes swept}.
  liveBeat: {
    numberOfKeys: 1,
    lua: `${NOW}
${DROP}
local known = redis.call('ZSCORE', KEYS[1], ARGV[2])
-- Past its deadline (it stalled): what it has in Redis may be half swept; start clean.
if known and tonumber(known) <= now then
  drop(ARGV[2])
  known = false
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)
for _, pid in ipairs(dead) do drop(pid) end
if known then return { 1, #dead } end
return { 0, #dead }`,
  },
  // KEYS: processes; ARGV: prefix, id.
  liveLeave: {
    numberOfKeys: 1,
    lua: `${DROP}
drop(ARGV[2])`,
  },
}

type Script = (...args: Array<string | number>) => Promise<unknown>
type Scripts = Record<keyof typeof SCRIPTS, Script>

export class RedisPresenceStore implements PresenceBackend {
  readonly id: string
  readonly #command: Redis
  readonly #channels: Channels
  readonly #prefix: string
  readonly #log: EngineLog
  readonly #heartbeatMs: number
  readonly #deadlineMs: number
  readonly #scripts: Scripts
  readonly #failed: (err: unknown) => void
  readonly #watchers = new Map<string, () => void>()
  readonly #timer: NodeJS.Timeout
  #host: PresenceHost = { entries: () => [] }
  #closed = false
  #rewriting: Promise<void> = Promise.resolve()

  constructor (command: Redis, channels: Channels, id: string, prefix: string, log: EngineLog, timing: Required<PresenceTiming>) {
    this.#command = command
    this.#channels = channels
    this.id = id
    this.#prefix = prefix
    this.#log = log
    this.#heartbeatMs = timing.heartbeatMs
    this.#deadlineMs = timing.deadlineMs
    this.#failed = replyErrors(log)
    for (const [name, definition] of Object.entries(SCRIPTS)) command.defineCommand(name, definition)
    const commands = command as unknown as Scripts
    // EVALSHA, falling back to EVAL after a restarted server forgot the script.
    this.#scripts = {
      liveTrack: (...args) => commands.liveTrack(...args),
      liveUntrack: (...args) => commands.liveUntrack(...args),
      liveBeat: (...args) => commands.liveBeat(...args),
      liveLeave: (...args) => commands.liveLeave(...args),
    }
    this.#timer = setInterval(() => { void this.#beat() }, this.#heartbeatMs)
    this.#timer.unref()
  }

  attach (host: PresenceHost): void { this.#host = host }

  #hash (topic: string): string { return `${this.#prefix}presence:${topic}` }
  #channel (topic: string): string { return `${this.#prefix}p:${topic}` }
  get #processes (): string { return `${this.#prefix}processes` }
  get #set (): string { return `${this.#prefix}process:${this.id}` }
  #field (ref: string): string { return `${this.id}:${ref}` }

  get #ready (): boolean { return !this.#closed && this.#command.status === 'ready' }

  async write (topic: string, ref: string, json: string): Promise<void> {
    if (!this.#ready) return // written again when Redis is back
    const field = this.#field(ref)
    try {
      const known = await this.#scripts.liveTrack(
        this.#hash(topic), this.#set, this.#processes,
        field, json, JSON.stringify([topic, field]), this.id, this.#deadlineMs, this.#channel(topic),
      )
      if (known === 0) await this.#rewrite()
    } catch (err) {
      // Redis is away (logged once by Connections; written again when it is back) or refused.
      this.#failed(err)
    }
  }

  async remove (topic: string, ref: string): Promise<void> {
    if (!this.#ready) return
    const field = this.#field(ref)
    try {
      await this.#scripts.liveUntrack(this.#hash(topic), this.#set, field, JSON.stringify([topic, field]), this.#channel(topic), this.id)
    } catch (err) {
      // As in write(); a removal lost in an outage is repaired by #rewrite(), which starts from a clean slate.
      this.#failed(err)
    }
  }

  async fetch (topic: string): Promise<Map<string, string> | undefined> {
    if (!this.#ready) return undefined
    try {
      // Read only once the notices of later changes are sure to reach us (SUBSCRIBE runs on the other connection).
      await this.#channels.synced()
      return new Map(Object.entries(await this.#command.hgetall(this.#hash(topic))))
    } catch (err) {
      this.#failed(err)
      return undefined
    }
  }

  watch (topic: string, changed: () => void): () => void {
    this.#watchers.set(topic, changed)
    this.#channels.add(this.#channel(topic), (id) => { if (id !== this.id) changed() })
    return () => {
      this.#watchers.delete(topic)
      this.#channels.remove(this.#channel(topic))
    }
  }

  /** Both connections are ready (at start, or after an outage): register, write everything, re-read what is watched. */
  async up (): Promise<void> {
    if (!this.#ready) return
    try {
      await this.#rewrite()
    } catch (err) {
      // Gone again (the next 'up' starts over), or refused.
      this.#failed(err)
    }
    for (const changed of this.#watchers.values()) changed()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#timer)
    if (this.#command.status === 'ready') {
      try {
        await this.#scripts.liveLeave(this.#processes, this.#prefix, this.id)
      } catch (err) {
        // Redis went away at this very moment (the others sweep our entries at the deadline), or refused.
        this.#failed(err)
      }
    }
    this.#closed = true
  }

  async #beat (): Promise<void> {
    if (!this.#ready) return
    try {
      const [known, swept] = await this.#scripts.liveBeat(this.#processes, this.#prefix, this.id, this.#deadlineMs) as [number, number]
      if (swept > 0) this.#log.info({ processes: swept }, 'fastify-live: removed the presence entries of processes that stopped without closing')
      if (known === 0) await this.#rewrite()
    } catch (err) {
      // Redis is away (logged once by Connections), or refused.
      this.#failed(err)
    }
  }

  /**
   * Make Redis hold exactly this process's entries: clear what may be left
   * (an untrack lost in an outage), register, write them all. One at a time,
   * so two rewrites never interleave a clear with the other's writes.
   */
  #rewrite (): Promise<void> {
    const next = this.#rewriting.catch(() => {}).then(() => this.#rewriteNow())
    this.#rewriting = next
    return next
  }

  async #rewriteNow (): Promise<void> {
    await this.#scripts.liveLeave(this.#processes, this.#prefix, this.id)
    await this.#scripts.liveBeat(this.#processes, this.#prefix, this.id, this.#deadlineMs)
    const writes: Array<Promise<unknown>> = []
    for (const [topic, ref, json] of this.#host.entries()) {
      const field = this.#field(ref)
      writes.push(this.#scripts.liveTrack(
        this.#hash(topic), this.#set, this.#processes,
        field, json, JSON.stringify([topic, field]), this.id, this.#deadlineMs, this.#channel(topic),
      ))
    }
    await Promise.all(writes)
  }
}
