import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { LiveRoute } from './core.js'
import { FST_LIVE_NAVIGATION, WireError } from './errors.js'

// Live navigation (API.md §9): which live route a URL names, the URLs a view
// may send the browser to, and what travels with a navigation (flash
// messages, the page title). The socket side (the `params` and `navigate`
// frames) is in lib/connection.ts and Session.handleUrl; the browser side is
// browser/navigation.ts.

/** Longest URL a frame or a view may name (the protocol's limit too). */
export const MAX_URL = 2048

/** A live route a URL names, with its params and query as a GET of that URL would see them. */
export interface Target {
  route: LiveRoute
  params: Record<string, string>
  query: Record<string, unknown>
  /** The path and query, as the browser shows it. */
  url: string
}

/**
 * Same-origin path-absolute URLs only ("/items?page=2"): a scheme, a host
 * ("//evil.example"), a backslash (browsers read "/\evil" as "//evil") or a
 * control character names another origin or is malformed.
 */
export function localPath (url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL) return null
  if (url[0] !== '/' || url[1] === '/' || url[1] === '\\') return null
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(url)) return null
  return url
}

interface Compiled { route: LiveRoute, re: RegExp, names: string[], statics: number }

/**
 * Finds the live route of a URL. The app's router (find-my-way) is the
 * authority on which route a GET would reach and with which params; it does
 * not say whether that route is a live one, so each live route's pattern is
 * matched too, and the two must agree (a plain route `/items/special` beside
 * a live `/items/:id` stays a page load).
 */
export class Navigator {
  readonly #app: FastifyInstance
  readonly #routes: Compiled[] = []

  constructor (app: FastifyInstance) {
    this.#app = app
  }

  add (route: LiveRoute): void {
    const compiled = compile(route)
    // Patterns this matcher cannot read (regex params, several params in one segment) are reached by page loads.
    if (compiled === null) return
    this.#routes.push(compiled)
    // Static segments first, as the router prefers them.
    this.#routes.sort((a, b) => b.statics - a.statics)
  }

  /** The live route `url` names; a `WireError` (`bad_url`, `not_live`) when it names none. */
  match (url: unknown): Target {
    const path = localPath(url)
    if (path === null) throw new WireError('bad_url', `${JSON.stringify(String(url).slice(0, 100))} is not a path of this site; live navigation takes paths such as "/items?page=2" (another origin needs a page load: this.redirect(url, { external: true }))`)
    let found: { params: Record<string, string>, searchParams: Record<string, unknown> } | null
    try {
      found = this.#app.findRoute({ method: 'GET', url: path }) as typeof found
    } catch {
      found = null
    }
    const q = path.indexOf('?')
    const pathname = q < 0 ? path : path.slice(0, q)
    if (found !== null) {
      const names = Object.keys(found.params ?? {}).sort().join()
      for (const c of this.#routes) {
        if (c.names.join() === names && c.re.test(pathname)) {
          return { route: c.route, params: { ...found.params }, query: { ...found.searchParams }, url: path }
        }
      }
    }
    throw new WireError('not_live', `${pathname} is not a live route of this app; the browser loads it as a page`)
  }
}

function compile (route: LiveRoute): Compiled | null {
  const names: string[] = []
  let statics = 0
  let source = ''
  for (const segment of route.key.split('/').slice(1)) {
    if (segment === '*') {
      names.push('*')
      source += '/.*'
    } else if (segment.startsWith(':')) {
      const name = segment.slice(1)
      if (!/^\w+$/.test(name)) return null
      names.push(name)
      source += '/[^/]+'
    } else {
      if (/[:*(]/.test(segment)) return null
      statics++
      source += '/' + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }
  }
  return { route, re: new RegExp(`^${source || '/'}$`), names: names.sort(), statics }
}

/** The URL of a handler's `this.redirect(url, { external })`: a local path, or with `external` an http(s) URL. */
export function redirectUrl (url: unknown, external: boolean, view: string): string {
  if (localPath(url) !== null) return url as string
  if (external && typeof url === 'string' && url.length <= MAX_URL && /^https?:\/\/[^\s/\\]+(\/[^\s]*)?$/i.test(url)) return url
  throw new FST_LIVE_NAVIGATION(`${view}.redirect(${JSON.stringify(url)}): ${external ? 'an external redirect needs an absolute http(s) URL' : 'a redirect goes to a path of this site ("/login"); to send the browser to another origin, say so: this.redirect(url, { external: true })'}`)
}

// ---- flash and title --------------------------------------------------------

/** Kinds and messages of one view's flash; a view holds at most this many kinds. */
export const MAX_FLASH_KINDS = 16
export const MAX_FLASH_CHARS = 1024

/** A view's flash messages: each is shown until the second navigation after it was set (the one it was carried over, then the next). */
export class Flash {
  /** kind → [message, carried over a navigation already] */
  readonly #entries = new Map<string, [string, boolean]>()

  put (kind: string, message: string, view: string): void {
    if (typeof kind !== 'string' || !/^[\w-]{1,32}$/.test(kind)) throw new FST_LIVE_NAVIGATION(`${view}.flash(${JSON.stringify(kind)}, ...): the kind must be 1 to 32 letters, digits, "_" or "-" (e.g. "info", "error")`)
    if (typeof message !== 'string' || message.length > MAX_FLASH_CHARS) throw new FST_LIVE_NAVIGATION(`${view}.flash("${kind}", ...): the message must be a string of at most ${MAX_FLASH_CHARS} characters`)
    if (!this.#entries.has(kind) && this.#entries.size >= MAX_FLASH_KINDS) throw new FST_LIVE_NAVIGATION(`${view}.flash("${kind}", ...): a view holds at most ${MAX_FLASH_KINDS} kinds of flash`)
    this.#entries.set(kind, [message, false])
  }

  get (kind: string): string { return this.#entries.get(kind)?.[0] ?? '' }

  /** A navigation leaves: what was set since the last one travels (and is returned), the rest is gone. */
  cross (): Record<string, string> | undefined {
    let carried: Record<string, string> | undefined
    for (const [kind, [message, crossed]] of this.#entries) {
      if (crossed) this.#entries.delete(kind)
      else (carried ??= {})[kind] = message
    }
    for (const entry of this.#entries.values()) entry[1] = true
    return carried
  }

  /** Messages carried over a navigation into this view. */
  arrive (carried: Record<string, string>): void {
    for (const kind in carried) {
      if (this.#entries.size >= MAX_FLASH_KINDS) break
      this.#entries.set(kind, [String(carried[kind]).slice(0, MAX_FLASH_CHARS), true])
    }
  }

  get empty (): boolean { return this.#entries.size === 0 }

  /** As JSON data, for a handed-over or parked view (lib/handoff.ts); `undefined` when empty. */
  state (): Record<string, [string, boolean]> | undefined {
    return this.#entries.size === 0 ? undefined : Object.fromEntries(this.#entries)
  }

  restore (state: Record<string, [string, boolean]>): void {
    for (const kind in state) {
      const [message, crossed] = state[kind]!
      if (this.#entries.size < MAX_FLASH_KINDS) this.#entries.set(kind, [String(message).slice(0, MAX_FLASH_CHARS), crossed === true])
    }
  }
}

/**
 * What one view's navigation keeps between a handler and its reply: the
 * URL change the handler asked for, the page title the browser has, and
 * the flash.
 */
export class NavState {
  readonly flash = new Flash()
  /** `this.patch(url)` in the running handler, applied before its render (Session#handled). */
  patch: { target: Target, replace: boolean } | undefined
  /** The JSON members the next reply carries (`nav`, `token`). */
  #members = ''
  /** The title the browser shows (`undefined`: as the HTTP render left it). */
  title: string | undefined

  /** `this.navigate(url)`: the browser navigates after the reply. */
  navigate (url: string, view: string): void {
    if (localPath(url) === null) throw new FST_LIVE_NAVIGATION(`${view}.navigate(${JSON.stringify(url)}): live navigation goes to a path of this site ("/items/7"); for another origin use this.redirect(url, { external: true })`)
    this.send({ navigate: url })
  }

  /** `this.redirect(url, { external })`: a page load after the reply, the flash sealed for it. */
  redirect (url: string, external: boolean, view: string, secret: string): void {
    const to = redirectUrl(url, external, view)
    const carried = this.flash.cross()
    this.send(carried === undefined ? { redirect: to } : { redirect: to, flash: sealFlash(secret, carried) })
  }

  /** `,"nav":{...}` (and `more` members, already JSON) for the next reply or patch. */
  send (nav: Record<string, unknown>, more = ''): void {
    this.#members = `,"nav":${JSON.stringify(nav)}${more}`
  }

  /** The members for the frame going out now, once: the navigation, the title when it changed. */
  members (pageTitle: unknown): string {
    let out = this.#members
    this.#members = ''
    if (typeof pageTitle === 'string' && pageTitle !== this.title) {
      this.title = pageTitle
      out += `,"title":${JSON.stringify(pageTitle)}`
    }
    return out
  }
}

// ---- flash over a redirect --------------------------------------------------

/** The cookie a redirect's flash rides in to the next page load. */
export const FLASH_COOKIE = 'live_flash'
const FLASH_MAX_AGE = 60_000

/** Flash carried over a redirect: signed, so a page cannot forge another's messages, and short-lived. */
export function sealFlash (secret: string, flash: Record<string, string>, now = Date.now()): string {
  const body = Buffer.from(JSON.stringify({ f: flash, x: now + FLASH_MAX_AGE })).toString('base64url')
  return `${body}.${mac(secret, body)}`
}

export function openFlash (secret: string, sealed: string | undefined, now = Date.now()): Record<string, string> | undefined {
  if (sealed === undefined) return undefined
  const dot = sealed.indexOf('.')
  if (dot <= 0) return undefined
  const body = sealed.slice(0, dot)
  const got = Buffer.from(sealed.slice(dot + 1))
  const want = Buffer.from(mac(secret, body))
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined
  try {
    const { f, x } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    if (typeof x !== 'number' || x < now || typeof f !== 'object' || f === null) return undefined
    return f
  } catch {
    return undefined
  }
}

function mac (secret: string, body: string): string {
  return createHmac('sha256', secret).update('flash:' + body).digest('base64url')
}

/** The flash cookie of a request, if any. */
export function flashCookie (request: FastifyRequest): string | undefined {
  const header = request.headers.cookie
  if (header === undefined) return undefined
  const m = new RegExp(`(?:^|;\\s*)${FLASH_COOKIE}=([A-Za-z0-9_.-]+)`).exec(header)
  return m?.[1]
}
