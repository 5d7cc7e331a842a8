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
  /** Origins allowed to open the socket; the page's own origin is always allowed. @default [] */
  allowedOrigins?: string[] | undefined
}

/** Options normalised once, complete; hooks default to no-ops so hot code needs no checks. */
export interface ResolvedOptions {
  templates: string[]
  secret: string
  permissions: (request: FastifyRequest) => Iterable<string> | Promise<Iterable<string>>
  onForbidden: ((request: FastifyRequest, reply: FastifyReply) => unknown) | null
  layout: string | false
  prefix: string
  debug: boolean
  production: boolean
  tokenMaxAge: number
  handoffTtl: number
  maxMessageBytes: number
  maxViewsPerSocket: number
  rateLimit: { burst: number, perSecond: number }
  allowedOrigins: string[]
}

const KEYS = new Set([
  'templates', 'secret', 'permissions', 'onForbidden', 'layout', 'prefix', 'debug', 'tokenMaxAge',
  'handoffTtl', 'maxMessageBytes', 'maxViewsPerSocket', 'rateLimit', 'allowedOrigins',
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
  const rate = opts.rateLimit === undefined ? {} : opts.rateLimit
  if (typeof rate !== 'object' || rate === null || Object.keys(rate).some((k) => k !== 'burst' && k !== 'perSecond')) {
    throw new FST_LIVE_OPTIONS('"rateLimit": give { burst, perSecond } (both optional)')
  }
  const origins = opts.allowedOrigins ?? []
  if (!Array.isArray(origins) || origins.some((o) => typeof o !== 'string')) throw new FST_LIVE_OPTIONS('"allowedOrigins": give a list of origins such as "https://example.com"')
  return {
    templates: templates.map((t) => isAbsolute(t) ? t : resolve(process.cwd(), t)),
    secret,
    permissions: opts.permissions ?? (() => []),
    onForbidden: opts.onForbidden ?? null,
    layout,
    prefix,
    debug: opts.debug ?? !production,
    production,
    tokenMaxAge: positive('tokenMaxAge', opts.tokenMaxAge, 86_400_000),
    handoffTtl: positive('handoffTtl', opts.handoffTtl, 10_000),
    maxMessageBytes: positive('maxMessageBytes', opts.maxMessageBytes, 65_536),
    maxViewsPerSocket: positive('maxViewsPerSocket', opts.maxViewsPerSocket, 100, true),
    rateLimit: { burst: positive('rateLimit.burst', rate.burst, 200, true), perSecond: positive('rateLimit.perSecond', rate.perSecond, 100) },
    allowedOrigins: origins,
  }
}

function positive (name: string, value: unknown, fallback: number, whole = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (whole && !Number.isInteger(value))) {
    throw new FST_LIVE_OPTIONS(`"${name}": give a ${whole ? 'whole number' : 'number'} greater than 0`)
  }
  return value
}

function fnOrUndefined (name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw new FST_LIVE_OPTIONS(`"${name}": give a function`)
}
