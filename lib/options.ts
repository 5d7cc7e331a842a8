import { randomBytes } from 'node:crypto'
import { isAbsolute, resolve } from 'node:path'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { FST_LIVE_OPTIONS, FST_LIVE_SECRET_REQUIRED } from './errors.js'

/** The plugin's options (all optional). */
export interface LiveOptions {
  /** Directory, or directories, of the app's Nunjucks templates (relative to the working directory). @default 'templates' */
  templates?: string | string[] | undefined
  /** Signs mount tokens. Required in production; a random one (with a warning) elsewhere. */
  secret?: string | undefined
  /** The permission strings granted to a request (HTTP request or WebSocket upgrade request). @default () => [] */
  permissions?: ((request: FastifyRequest) => Iterable<string> | Promise<Iterable<string>>) | undefined
  /** Answers a GET whose route permissions are missing (e.g. a redirect to a login page). @default a 403 page */
  onForbidden?: ((request: FastifyRequest, reply: FastifyReply) => unknown) | undefined
  /** The default layout template; `false` renders views without a layout. @default 'live/layout.njk' */
  layout?: string | false | undefined
  /** URL prefix of the bundle and the socket. @default '/_live' */
  prefix?: string | undefined
  /** The debug panel and detailed error messages. @default NODE_ENV !== 'production' */
  debug?: boolean | undefined
  /**
   * Watch the template directories and, when a file changes, recompile it and
   * re-render every open page in place (state kept). A development aid.
   * @default `debug`, and never in production unless set
   */
  watchTemplates?: boolean | undefined
  /** How long a mount token lets a page (re)join, in ms. @default 86_400_000 (24 h) */
  tokenMaxAge?: number | undefined
  /** How long a view rendered over HTTP waits for its join, in ms. @default 10_000 */
  handoffTtl?: number | undefined
  /** Largest accepted frame, in bytes. @default 65_536 */
  maxMessageBytes?: number | undefined
  /** Most views one socket may join. @default 100 */
  maxViewsPerSocket?: number | undefined
  /** Token bucket per socket: `burst` frames at once, refilled at `perSecond`. @default { burst: 200, perSecond: 100 } */
  rateLimit?: { burst?: number | undefined, perSecond?: number | undefined } | undefined
  /** Origins (scheme, host and port: `https://example.com`) allowed to open the socket besides the page's own. @default [] */
  allowedOrigins?: string[] | undefined
  /**
   * Host names (with port, as in the `Host` header) this app answers to. When
   * set, a socket whose `Host` is not listed is refused, so a DNS-rebinding
   * page cannot pass as same-origin. @default [] (any host)
   */
  allowedHosts?: string[] | undefined
  /** Unsent bytes one socket may hold before renders are held back (its views are sent whole once it drains). @default 2_097_152 (2 MiB) */
  maxBufferedBytes?: number | undefined
  /**
   * Unsent bytes all sockets together may hold. Past it, a socket that is
   * behind (more than Node's 16 KiB write buffer unsent) is held back as if
   * past its own `maxBufferedBytes`: many clients that stop reading together
   * cannot make the process hold much more than this, whatever their number.
   * @default 4_194_304 (4 MiB)
   */
  maxTotalBufferedBytes?: number | undefined
  /** How long a socket may stay past `maxBufferedBytes` before it is closed (1013), in ms. @default 30_000 */
  drainTimeout?: number | undefined
  /**
   * How often each socket is pinged, in ms. A socket from which nothing came
   * back (no pong, no frame) since the previous ping is dropped: a vanished
   * network or a sleeping laptop leaves no close frame, and its views would
   * otherwise stay mounted for good. Its views are parked, as for any drop.
   * @default 30_000
   */
  pingInterval?: number | undefined
  /** Work one view may have waiting behind the running event: frames and their bytes; more is refused (`busy`). @default { events: 64, bytes: 1_048_576 } */
  queueLimit?: { events?: number | undefined, bytes?: number | undefined } | undefined
  /** A handler that has not settled after this many ms answers `handler_error` and frees its view's queue; 0: no limit. @default 0 */
  handlerTimeout?: number | undefined
  /** When route permissions are checked on the socket: at `'join'` only, or also before `'every-event'`. @default 'join' */
  recheckPermissions?: 'join' | 'every-event' | undefined
  /** Serve the browser bundle's source maps. @default false */
  sourceMaps?: boolean | undefined
  /**
   * Redis, to make the processes that share it (and the `secret`) one app:
   * publish/subscribe, presence and handed-over views span them. A
   * `redis://` URL, or an ioredis client the app already has (duplicated,
   * never closed by the plugin). @default none: everything stays in the process
   */
  redis?: string | RedisClient | undefined
  /** How long a dropped socket's views stay parked for a rejoin to resume them, in ms. @default 60_000 */
  reconnectTtl?: number | undefined
  /** Largest parked view (its state and render as JSON), in bytes; a larger one is not parked. @default 65_536 */
  maxParkedBytes?: number | undefined
  /** Bytes of `@cache` snapshots one socket keeps, across its views; the least recently used go first. @default 1_048_576 (1 MiB) */
  maxCacheBytes?: number | undefined
}

/** An ioredis client (only what the option check needs to recognise one). */
export interface RedisClient { duplicate (): unknown, status: string }

/** Options normalised once, complete; hooks default to no-ops so hot code needs no checks. */
export interface ResolvedOptions {
  templates: string[]
  secret: string
  permissions: (request: FastifyRequest) => Iterable<string> | Promise<Iterable<string>>
  onForbidden: ((request: FastifyRequest, reply: FastifyReply) => unknown) | null
  layout: string | false
  prefix: string
  debug: boolean
  watchTemplates: boolean
  production: boolean
  tokenMaxAge: number
  handoffTtl: number
  maxMessageBytes: number
  maxViewsPerSocket: number
  rateLimit: { burst: number, perSecond: number }
  allowedOrigins: string[]
  allowedHosts: string[]
  maxBufferedBytes: number
  maxTotalBufferedBytes: number
  drainTimeout: number
  pingInterval: number
  queue: { maxJobs: number, maxBytes: number }
  handlerTimeout: number
  recheckPermissions: 'join' | 'every-event'
  sourceMaps: boolean
  redis: string | RedisClient | null
  reconnectTtl: number
  maxParkedBytes: number
  maxCacheBytes: number
}

const KEYS = new Set([
  'templates', 'secret', 'permissions', 'onForbidden', 'layout', 'prefix', 'debug', 'tokenMaxAge',
  'handoffTtl', 'maxMessageBytes', 'maxViewsPerSocket', 'rateLimit', 'allowedOrigins',
  'allowedHosts', 'maxBufferedBytes', 'maxTotalBufferedBytes', 'drainTimeout', 'pingInterval', 'queueLimit', 'handlerTimeout', 'recheckPermissions', 'sourceMaps', 'redis', 'reconnectTtl', 'maxParkedBytes',
  'maxCacheBytes', 'watchTemplates',
])

export function resolveOptions (opts: LiveOptions, log: FastifyBaseLogger): ResolvedOptions {
  for (const key of Object.keys(opts)) {
    if (!KEYS.has(key)) throw new FST_LIVE_OPTIONS(`"${key}": there is no such option (the options are ${[...KEYS].join(', ')})`)
  }
  const production = process.env.NODE_ENV === 'production'
  const templates = typeof opts.templates === 'string' ? [opts.templates] : opts.templates ?? ['templates']
  if (!Array.isArray(templates) || templates.some((t) => typeof t !== 'string' || t === '')) {
    throw new FST_LIVE_OPTIONS('"templates": give a directory or a list of directories')
  }
  let secret = opts.secret
  if (secret === undefined || secret === '') {
    if (production) throw new FST_LIVE_SECRET_REQUIRED()
    secret = randomBytes(32).toString('hex')
    log.warn('fastify-live: no `secret` option; using a random one, so pages rendered before a restart cannot rejoin. Set `secret` (required when NODE_ENV=production)')
  } else if (typeof secret !== 'string' || secret.length < 32) {
    throw new FST_LIVE_OPTIONS('"secret": use a random string of at least 32 characters')
  }
  fnOrUndefined('permissions', opts.permissions)
  fnOrUndefined('onForbidden', opts.onForbidden)
  const layout = opts.layout ?? 'live/layout.njk'
  if (layout !== false && (typeof layout !== 'string' || layout === '')) throw new FST_LIVE_OPTIONS('"layout": give a template name or false')
  const prefix = opts.prefix ?? '/_live'
  if (typeof prefix !== 'string' || !/^(\/[\w-]+)+$/.test(prefix)) throw new FST_LIVE_OPTIONS('"prefix": give a path such as "/_live" (leading slash, no trailing slash)')
  if (opts.debug !== undefined && typeof opts.debug !== 'boolean') throw new FST_LIVE_OPTIONS('"debug": give true or false')
  if (opts.watchTemplates !== undefined && typeof opts.watchTemplates !== 'boolean') throw new FST_LIVE_OPTIONS('"watchTemplates": give true or false')
  const debug = opts.debug ?? !production
  const rate = opts.rateLimit === undefined ? {} : opts.rateLimit
  if (typeof rate !== 'object' || rate === null || Object.keys(rate).some((k) => k !== 'burst' && k !== 'perSecond')) {
    throw new FST_LIVE_OPTIONS('"rateLimit": give { burst, perSecond } (both optional)')
  }
  const origins = stringList('allowedOrigins', opts.allowedOrigins, 'origins such as "https://example.com"')
  const hosts = stringList('allowedHosts', opts.allowedHosts, 'hosts such as "example.com" or "127.0.0.1:3000"')
  for (const origin of origins) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new FST_LIVE_OPTIONS(`"allowedOrigins": "${origin}" is not an origin; give scheme, host and port only, e.g. "https://example.com"`)
  }
  const queue = opts.queueLimit === undefined ? {} : opts.queueLimit
  if (typeof queue !== 'object' || queue === null || Object.keys(queue).some((k) => k !== 'events' && k !== 'bytes')) {
    throw new FST_LIVE_OPTIONS('"queueLimit": give { events, bytes } (both optional)')
  }
  const recheck = opts.recheckPermissions ?? 'join'
  if (recheck !== 'join' && recheck !== 'every-event') throw new FST_LIVE_OPTIONS('"recheckPermissions": give \'join\' or \'every-event\'')
  if (opts.sourceMaps !== undefined && typeof opts.sourceMaps !== 'boolean') throw new FST_LIVE_OPTIONS('"sourceMaps": give true or false')
  const redis = opts.redis ?? null
  if (redis !== null && !(typeof redis === 'string' ? /^rediss?:\/\/./.test(redis) : typeof (redis as RedisClient).duplicate === 'function')) {
    throw new FST_LIVE_OPTIONS('"redis": give a redis:// URL or an ioredis client')
  }
  const handlerTimeout = opts.handlerTimeout ?? 0
  if (handlerTimeout !== 0) positive('handlerTimeout', handlerTimeout, 0)
  return {
    templates: templates.map((t) => isAbsolute(t) ? t : resolve(process.cwd(), t)),
    secret,
    permissions: opts.permissions ?? (() => []),
    onForbidden: opts.onForbidden ?? null,
    layout,
    prefix,
    debug,
    // A watcher is a development tool: production never starts one unless asked to.
    watchTemplates: opts.watchTemplates ?? (debug && !production),
    production,
    tokenMaxAge: positive('tokenMaxAge', opts.tokenMaxAge, 86_400_000),
    handoffTtl: positive('handoffTtl', opts.handoffTtl, 10_000),
    maxMessageBytes: positive('maxMessageBytes', opts.maxMessageBytes, 65_536),
    maxViewsPerSocket: positive('maxViewsPerSocket', opts.maxViewsPerSocket, 100, true),
    rateLimit: { burst: positive('rateLimit.burst', rate.burst, 200, true), perSecond: positive('rateLimit.perSecond', rate.perSecond, 100) },
    allowedOrigins: origins,
    allowedHosts: hosts,
    maxBufferedBytes: positive('maxBufferedBytes', opts.maxBufferedBytes, 2_097_152, true),
    maxTotalBufferedBytes: positive('maxTotalBufferedBytes', opts.maxTotalBufferedBytes, 4_194_304, true),
    drainTimeout: positive('drainTimeout', opts.drainTimeout, 30_000),
    pingInterval: positive('pingInterval', opts.pingInterval, 30_000),
    queue: { maxJobs: positive('queueLimit.events', queue.events, 64, true), maxBytes: positive('queueLimit.bytes', queue.bytes, 1_048_576, true) },
    handlerTimeout,
    recheckPermissions: recheck,
    sourceMaps: opts.sourceMaps ?? false,
    redis,
    reconnectTtl: positive('reconnectTtl', opts.reconnectTtl, 60_000),
    maxParkedBytes: positive('maxParkedBytes', opts.maxParkedBytes, 65_536, true),
    maxCacheBytes: positive('maxCacheBytes', opts.maxCacheBytes, 1_048_576, true),
  }
}

function positive (name: string, value: unknown, fallback: number, whole = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
    throw new FST_LIVE_OPTIONS(`"${name}": give a ${whole ? 'whole number' : 'number'} greater than 0`)
  }
  return value
}

function stringList (name: string, value: unknown, what: string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((o) => typeof o !== 'string' || o === '')) throw new FST_LIVE_OPTIONS(`"${name}": give a list of ${what}`)
  return value
}

function fnOrUndefined (name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new FST_LIVE_OPTIONS(`"${name}": give a function`)
}
