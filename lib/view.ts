import type { FastifyRequest } from 'fastify'
import { kRuntime } from './symbols.js'
import type { HandlerSpec } from './metadata.js'

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
}

/** The part of a view's runtime that the view itself calls (lib/session.ts implements it). */
export interface ViewRuntime {
  push (): Promise<void>
  startAsync (name: string, fn: (signal: AbortSignal) => unknown): void
  cancelAsync (name: string): boolean
  invalidateCache (name?: string): void
}

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

  declare [kRuntime]: ViewRuntime | undefined

  /** Runs before the first render; may be async. */
  mount (_ctx: MountContext): void | Promise<void> {}

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

  /**
   * Drop the cached results (`@cache`) of the handler `name`, or of every
   * handler: on the server and, with the next reply, in the browser. For a
   * change the server cannot see (data outside the view). A no-op before the
   * view is connected.
   */
  invalidateCache (name?: string): void {
    this[kRuntime]?.invalidateCache(name)
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
}

/** Names a handler may not take: the view's own lifecycle must not be callable from a browser. */
export const RESERVED_NAMES = new Set([
  'constructor', 'mount', 'push', 'startAsync', 'cancelAsync', 'invalidateCache', 'handleAsyncResult', 'onClientState',
])

/** The template context: the view's public own properties. */
export function publicState (view: object): Record<string, unknown> {
  const state: Record<string, unknown> = {}
  for (const key of Object.keys(view)) {
    if (key.charCodeAt(0) !== 95 /* _ */) state[key] = (view as any)[key]
  }
  return state
}
