import type { FastifyRequest } from 'fastify'
import { kRuntime } from './symbols.js'
import type { HandlerSpec } from './metadata.js'
import { viewStreams, type StreamConfig, type StreamOptions } from './streams.js'
import type { UploadedFile, UploadSpec } from './uploads.js'

/** What `mount(ctx)` receives. */
export interface MountContext<P = Record<string, string>, Q = Record<string, unknown>> {
  /** Route params (`/items/:id` → `{ id }`); an embed gets its page's. */
  params: P
  /** The query string; an embed gets its page's. */
  query: Q
  /** The HTTP request on the first render, the WebSocket upgrade request on a remount. */
  request: FastifyRequest
  /** An embedded view's props (`{{ live.embed('Name', props) }}`); `{}` otherwise. */
  props: Record<string, unknown>
}

/** What `handleParams(ctx)` receives (API.md §9). */
export interface ParamsContext<P = Record<string, string>, Q = Record<string, unknown>> {
  /** Route params of the URL. */
  params: P
  /** Its query string. */
  query: Q
  /** Its path and query (`/items?page=2`). */
  url: string
}

/** The second argument of every handler. */
export interface LiveEvent {
  /** The handler's name. */
  handler: string
  /** The DOM event type (`click`, `input`, `submit`, ...). */
  type: string
  /** The WebSocket upgrade request of the page (cookies, session, user). */
  request: FastifyRequest
  /** Aborts when a `@background` task is cancelled or replaced, or the view closes. */
  signal: AbortSignal
  /** `true` when the browser sends a form's fields again after the view was mounted anew (form recovery, docs/reconnects.md). */
  recovering: boolean
}

/** The part of a view's runtime that the view itself calls (lib/session.ts implements it). */
export interface ViewRuntime {
  push (): Promise<void>
  startAsync (name: string, fn: (signal: AbortSignal) => unknown): void
  cancelAsync (name: string): boolean
  subscribe (topic: string): void
  unsubscribe (topic: string): void
  publish (topic: string, message: unknown, exceptSelf: boolean): Promise<void>
  track (topic: string, key: string, meta: Record<string, unknown>): Promise<void>
  untrack (topic: string): Promise<void>
  invalidateCache (name?: string): void
  pushEvent (name: string, payload: unknown): void
  consumeUploads<T> (name: string, fn: (file: UploadedFile) => T | Promise<T>): Promise<T[]>
  cancelUpload (name: string, ref: string): boolean
  patchUrl (url: string, replace: boolean): void
  navigateTo (url: string): void
  redirectTo (url: string, external: boolean): void
  putFlash (kind: string, message: string): void
}

/** Who is present on a topic: each tracked key with the metas of the views that track it (one per tab). */
export type PresenceList = Record<string, Array<Record<string, unknown>>>

/** What changed in a presence list: the metas that joined and left, by key. */
export interface PresenceChange { joins: PresenceList, leaves: PresenceList }

/**
 * Base class of every live view. Public own properties (names not starting
 * with `_`) are the template context; keep them plain, serializable data.
 */
export abstract class LiveView {
  /** The Nunjucks template of the view, relative to the plugin's `templates`. */
  static template?: string
  /** Views this one's template may place with `{{ live.embed('Name', props) }}`. */
  // `LiveViewClass`, not `typeof LiveView`: an abstract class type would make every concrete view unassignable to `app.live()`.
  static embeds?: Record<string, LiveViewClass>
  /** Client-state keys this view receives (see `@clientState`). */
  static listensTo?: string[]
  /** Handler metadata for code without decorators (plain JavaScript). */
  static handlers?: Record<string, HandlerSpec>
  /** Streams of the view (`this.stream(name, items)`), seen by the template as `streams.name` (docs/streams.md). */
  static streams?: Record<string, StreamConfig>
  /** File uploads by name (`<input type="file" live-upload="name">`, docs/uploads.md). */
  static uploads?: Record<string, UploadSpec>
  /**
   * A promise that makes broadcasts to many views of this class cheaper
   * (docs/pubsub.md#pure-handleinfo): `handleInfo` changes the public state
   * only as a function of that state and the message, and nothing outside
   * the view's handlers, tasks and `push()` changes it. Views that were equal
   * then share a render without their states being compared.
   */
  static pureHandleInfo?: boolean

  declare [kRuntime]: ViewRuntime | undefined

  /** The page's `document.title`: on the HTTP render (the default layout's `<title>`) and live, whenever it changes. */
  declare pageTitle?: string

  /**
   * Optional: runs after `mount` and whenever the URL changes within this
   * view (`live-patch`, `this.patch()`, back and forward), with the URL's
   * params and query. Keep state that the URL holds (a page, a filter) here.
   */
  handleParams? (ctx: ParamsContext): void | Promise<void>

  /** Change the URL to `url` (a path of this view's route), run `handleParams`, render once: no new mount. `replace` replaces the history entry. */
  patch (url: string, options: { replace?: boolean } = {}): void {
    this.#runtime('patch').patchUrl(url, options.replace === true)
  }

  /** Open the live route of `url` over the same socket, without a page load (another page than a live route: a page load). */
  navigate (url: string): void {
    this.#runtime('navigate').navigateTo(url)
  }

  /** A full page load of `url`: a path of this site, or another origin with `{ external: true }`. */
  redirect (url: string, options: { external?: boolean } = {}): void {
    this.#runtime('redirect').redirectTo(url, options.external === true)
  }

  /** Show `message` in `{{ live.flash(kind) }}`: in the next render, and carried over one navigate or redirect. */
  flash (kind: string, message: string): void {
    this.#runtime('flash').putFlash(kind, message)
  }

  /** Runs before the first render; may be async. */
  mount (_ctx: MountContext): void | Promise<void> {}

  /**
   * Optional: runs once when the view ends (its page leaves, its socket
   * closes and it is not parked, or the app closes). Release what `mount`
   * acquired here. May be async; an error is logged.
   */
  unmount? (): void | Promise<void>

  /** Re-render now and patch the browser (from a task, a timer, ...). A no-op before the view is connected. */
  async push (): Promise<void> {
    await this[kRuntime]?.push()
  }

  /** Run `fn(signal)` as the task `name`, replacing (cancelling) a running one of that name. */
  startAsync (name: string, fn: (signal: AbortSignal) => unknown): void {
    const runtime = this[kRuntime]
    if (runtime === undefined) throw new Error(`fastify-live: startAsync("${name}") needs a mounted view; call it from mount() or a handler`)
    runtime.startAsync(name, fn)
  }

  /** Cancel the task `name`: its signal aborts and its result is dropped. Returns whether one was running. */
  cancelAsync (name: string): boolean {
    return this[kRuntime]?.cancelAsync(name) ?? false
  }

  /** Receive the messages of `topic` (`handleInfo`) and its presence changes (`handlePresence`), from when the view is joined until it closes. */
  subscribe (topic: string): void {
    this.#runtime('subscribe').subscribe(topic)
  }

  unsubscribe (topic: string): void {
    this[kRuntime]?.unsubscribe(topic)
  }

  /** Deliver `message` (JSON data) to every view subscribed to `topic`, on every process; this view too unless `exceptSelf`. */
  async publish (topic: string, message: unknown, options: { exceptSelf?: boolean } = {}): Promise<void> {
    await this.#runtime('publish').publish(topic, message, options.exceptSelf === true)
  }

  /** Be present on `topic` as `key` with `meta` (JSON data) while this view lives; one key tracked by two tabs has two metas. */
  async track (topic: string, key: string, meta: Record<string, unknown> = {}): Promise<void> {
    await this.#runtime('track').track(topic, key, meta)
  }

  async untrack (topic: string): Promise<void> {
    await this[kRuntime]?.untrack(topic)
  }

  #runtime (what: string): ViewRuntime {
    const runtime = this[kRuntime]
    if (runtime === undefined) throw new Error(`fastify-live: ${what}() needs a mounted view; call it from mount() or a handler`)
    return runtime
  }

  /** Optional: a message of a subscribed topic; the view re-renders after it (messages that arrive while it is busy are all handled, then rendered once). */
  handleInfo? (topic: string, message: unknown): void | Promise<void>
  /** Optional: the presence list of a subscribed topic changed (bursts of joins and leaves come batched). */
  handlePresence? (topic: string, list: PresenceList, change: PresenceChange): void | Promise<void>
  /**
   * Drop the cached results (`@cache`) of the handler `name`, or of every
   * handler: on the server and, with the next reply, in the browser. For a
   * change the server cannot see (data outside the view). A no-op before the
   * view is connected.
   */
  invalidateCache (name?: string): void {
    this[kRuntime]?.invalidateCache(name)
  }

  /**
   * Dispatch the DOM event `live:<name>` with `detail` = `payload` (JSON
   * data) on the view's root in the browser, after the render of the work
   * that pushed it is applied (client hooks and page scripts listen for it).
   * A no-op before the view is connected.
   */
  pushEvent (name: string, payload: unknown = null): void {
    this[kRuntime]?.pushEvent(name, payload)
  }

  /**
   * Add `items` (each with an `id`) to the stream `name`: the next render
   * shows them (`streams.name`, each with its `domId`), then the server
   * forgets them; the browser keeps them. `at`: -1 appends (default), 0
   * prepends; `limit`: keep the first n (n > 0) or last -n items in the page;
   * `reset`: clear the stream first. An item whose `id` is in the page
   * already is updated in place.
   */
  stream (name: string, items: Iterable<object>, options?: StreamOptions): void {
    viewStreams(this, 'stream', name).stream(name, items, options)
  }

  /** Add (or update in place) one item of the stream `name`. */
  streamInsert (name: string, item: object, options?: Omit<StreamOptions, 'reset'>): void {
    viewStreams(this, 'streamInsert', name).insert(name, item, options)
  }

  /** Remove an item (anything with its `id`) from the stream `name` in the page. */
  streamDelete (name: string, item: object): void {
    viewStreams(this, 'streamDelete', name).delete(name, item)
  }

  /** Clear the stream `name` in the page, then show `items` in their order. */
  streamReset (name: string, items?: Iterable<object>): void {
    viewStreams(this, 'streamReset', name).reset(name, items)
  }

  /**
   * Call `fn` for each finished entry of the upload `name` with its
   * temporary file (`path`, `name`, `type`, `size`); returns `fn`'s results
   * and removes the files and entries afterwards (move or copy the file in `fn`).
   */
  async consumeUploads<T> (name: string, fn: (file: UploadedFile) => T | Promise<T>): Promise<T[]> {
    return await this.#runtime('consumeUploads').consumeUploads(name, fn)
  }

  /** Stop and forget the entry `ref` of the upload `name` (its transfer, its file). Returns whether there was one. */
  cancelUpload (name: string, ref: string): boolean {
    return this[kRuntime]?.cancelUpload(name, ref) ?? false
  }

  /** Optional: runs after every task (`startAsync` and `@background`), on success and failure. */
  handleAsyncResult? (name: string, result: unknown, error: unknown): void | Promise<void>
  /** Optional: runs when client-state keys of `listensTo` arrive, before the properties are set. */
  onClientState? (changes: Record<string, unknown>): void | Promise<void>
}

export type LiveViewClass = (new () => LiveView) & {
  template?: string
  embeds?: Record<string, LiveViewClass>
  listensTo?: string[]
  handlers?: Record<string, HandlerSpec>
  streams?: Record<string, StreamConfig>
  uploads?: Record<string, UploadSpec>
  pureHandleInfo?: boolean
}

/** Names a handler may not take: the view's own lifecycle must not be callable from a browser. */
export const RESERVED_NAMES = new Set([
  'constructor', 'mount', 'push', 'startAsync', 'cancelAsync', 'handleAsyncResult', 'onClientState',
  'subscribe', 'unsubscribe', 'publish', 'track', 'untrack', 'handleInfo', 'handlePresence', 'unmount', 'invalidateCache', 'pushEvent',
  'stream', 'streamInsert', 'streamDelete', 'streamReset',
  'consumeUploads', 'cancelUpload',
  'handleParams', 'patch', 'navigate', 'redirect', 'flash',
])

/** The template context: the view's public own properties. */
export function publicState (view: object): Record<string, unknown> {
  const state: Record<string, unknown> = {}
  for (const key of Object.keys(view)) {
    if (key.charCodeAt(0) !== 95 /* _ */) state[key] = (view as any)[key]
  }
  return state
}
