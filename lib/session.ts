import { createHash, randomBytes } from 'node:crypto'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { Core } from './core.js'
import type { HandlerEntry } from './dispatch.js'
import { LastRender } from './last-render.js'
import { GENERIC_MESSAGES, WireError, type WireErrorCode } from './errors.js'
import type { EventFrame, StateFrame } from './protocol.js'
import { safe, type Html } from './render.js'
import { kRuntime } from './symbols.js'
import { newRootId } from './token.js'
import { publicState, type LiveEvent, type LiveView, type ViewRuntime } from './view.js'
import type { ViewInfo } from './views.js'

/** What a session sends through; lib/connection.ts implements it. */
export interface Outbox {
  /** Send one frame, already serialized to JSON. */
  sendText (json: string): void
  /** Another session joined on the same socket, if any (embeds adopt theirs). */
  session (id: string): Session | undefined
}

export interface SessionInit {
  routeKey: string
  chain: string[]
  params: Record<string, string>
  query: Record<string, unknown>
  props: Record<string, unknown>
  request: FastifyRequest
  id?: string
}

/** Results of `@cache` handlers kept per view for cache hits (bounded, LRU). */
const MAX_SNAPSHOTS = 32

/**
 * A queued job: a function called with the session as `this` and one
 * argument (a frame, say), so queueing a job makes no closure. It returns a
 * promise only when it did not finish synchronously.
 */
type Job<T> = (this: Session, arg: T) => Promise<void> | undefined

/**
 * One mounted view: its instance, its last render and version, its queue of
 * events and its tasks. Created by an HTTP render (then handed to the join) or
 * by a join; ends when its page leaves or its socket closes.
 */
export class Session implements ViewRuntime {
  readonly id: string
  readonly view: LiveView
  /** The render version; increases whenever the HTML changes. */
  version = 1
  /** The inner HTML the browser holds once it is up to date. */
  get html (): string { return this.#last.text }
  /** `true` while the browser holds exactly `html` from the HTTP response. */
  fromHttp = false
  out: Outbox | null = null
  request: FastifyRequest
  log: FastifyBaseLogger
  closed = false

  readonly #core: Core
  readonly #info: ViewInfo
  /** Where the view was mounted from (what its embeds inherit). */
  readonly #where: Omit<SessionInit, 'request' | 'id'>
  // Made on first use: most views never start a task, cache a result or
  // embed another view, and every session costs heap while it lives.
  #life: AbortController | undefined
  #tasks: Map<string, AbortController> | undefined
  #snapshots: Map<string, { key: string, state: Record<string, unknown> }> | undefined
  #children: Array<{ name: string, session: Session }> | undefined
  /**
   * How the last render reaches the browser, as the JSON members of a frame:
   * `"d"`, the one element that changed since the render before it, or the
   * full `"html"` (docs/protocol.md, "Deltas"). Tests should read the HTML a
   * page holds (lib/testing.ts `page.html()`), not `reply.html`.
   */
  #change = ''
  /** The HTML the browser holds once it is up to date. */
  readonly #last = new LastRender()
  /** Whether a job is running; jobs that arrive meanwhile wait in `#waiting`. */
  #busy = false
  #waiting: Array<[Job<any>, unknown]> | null = null

  private constructor (core: Core, info: ViewInfo, init: SessionInit) {
    this.#core = core
    this.#info = info
    // Not the request: the join's replaces it, and the page's must not live on with the view.
    this.#where = { routeKey: init.routeKey, chain: init.chain, params: init.params, query: init.query, props: init.props }
    this.id = init.id ?? newRootId()
    this.request = init.request
    this.log = init.request.log
    this.view = new info.View()
    Object.defineProperty(this.view, kRuntime, { value: this, enumerable: false })
    core.stats.views++
  }

  get info (): ViewInfo { return this.#info }

  /** Create the view, set its props and run `mount()`. */
  static async mount (core: Core, info: ViewInfo, init: SessionInit): Promise<Session> {
    const session = new Session(core, info, init)
    try {
      Object.assign(session.view, init.props)
      await session.view.mount({ params: init.params, query: init.query, request: init.request, props: init.props })
    } catch (err) {
      session.close()
      throw err
    }
    return session
  }

  /** The root element with its token and inner HTML (for the page, or a new embed). */
  async renderRoot (): Promise<string> {
    const html = await this.#renderInner()
    this.#last.text = html
    const where = this.#where
    const token = this.#core.signer.sign({ r: where.routeKey, c: where.chain, i: this.id, a: where.params, q: where.query, p: where.props })
    return `<div id="${this.id}" data-live-root data-live-token="${token}"${this.#info.rootAttrs}>${html}</div>`
  }

  /** Join: attach to a socket. The browser holds `html` only if the page was just rendered. */
  attach (out: Outbox, request: FastifyRequest): { v: number, html?: string } {
    this.out = out
    this.request = request
    this.log = request.log
    const reply = this.fromHttp ? { v: this.version } : { v: this.version, html: this.html }
    this.fromHttp = false
    return reply
  }

  // ---- the event path -------------------------------------------------------

  /**
   * Events of one view run one at a time, in arrival order. An idle queue
   * runs the job at once, in the caller's tick, and a job that finishes
   * synchronously (a synchronous handler and template) costs no promise.
   */
  enqueue<T> (job: Job<T>, arg: T): void {
    if (this.#busy) {
      (this.#waiting ??= []).push([job, arg])
      return
    }
    this.#busy = true
    let pending = this.#runJob(job, arg)
    while (pending === undefined) {
      const next = this.#waiting?.shift()
      if (next === undefined) return this.#idle()
      pending = this.#runJob(next[0], next[1])
    }
    void this.#drain(pending)
  }

  /** Runs a job; returns its promise when it did not finish synchronously. */
  #runJob<T> (job: Job<T>, arg: T): Promise<void> | undefined {
    try {
      const result = job.call(this, arg)
      if (result !== undefined) return result.then(undefined, (err) => this.#queueError(err))
    } catch (err) {
      this.#queueError(err)
    }
    return undefined
  }

  /** The rest of the queue once a job went asynchronous. */
  async #drain (pending: Promise<void>): Promise<void> {
    await pending
    for (let next = this.#waiting?.shift(); next !== undefined; next = this.#waiting?.shift()) {
      const later = this.#runJob(next[0], next[1])
      if (later !== undefined) await later
    }
    this.#idle()
  }

  #idle (): void {
    this.#busy = false
    this.#waiting = null
  }

  #queueError (err: unknown): void {
    this.log.error({ err, view: this.#info.name }, 'fastify-live: unexpected error in the view queue')
  }

  /** An `event` frame: synchronous from start to reply unless the handler, a policy or the template needs to wait. */
  handleEvent (frame: EventFrame): Promise<void> | undefined {
    let pending: Promise<void> | undefined
    try {
      pending = this.#event(frame)
    } catch (err) {
      this.#eventFailed(frame, err)
      return undefined
    }
    return pending?.then(undefined, (err) => this.#eventFailed(frame, err))
  }

  #eventFailed (frame: EventFrame, err: unknown): void {
    if (err instanceof WireError) return this.#error(err.code, err.detail, { ref: frame.ref, handler: err.handler })
    this.#renderFailed(err, { ref: frame.ref, handler: frame.h })
  }

  #event (frame: EventFrame): Promise<void> | undefined {
    // Queued before the view closed (a leave, a socket closed for flooding): dropped.
    if (this.closed) return undefined
    const entry = this.#info.table.handlers.get(frame.h)
    if (entry === undefined) throw new WireError('unknown_handler', `${this.#info.name} has no event handler "${frame.h}"; the handlers are: ${[...this.#info.table.handlers.keys()].join(', ') || 'none'}`, frame.h)
    const params = frame.p
    if (entry.validate !== null && !entry.validate(params)) {
      const e = entry.validate.errors![0]!
      const where = e.instancePath === '' ? 'params' : `param "${e.instancePath.slice(1)}"`
      const what = e.keyword === 'additionalProperties'
        ? `has an undeclared param "${(e.params as any).additionalProperty}" (declared: ${Object.keys(entry.params ?? {}).length > 0 ? paramList(entry) : 'none'})`
        : `${where} ${e.message}`
      throw new WireError('invalid_params', `${this.#info.name}.${entry.name}(): ${what}`, entry.name)
    }
    if (entry.permissions.length > 0 || entry.loading !== undefined || entry.background || (frame.hit !== undefined && entry.cache !== undefined)) {
      return this.#eventWithPolicies(entry, params, frame)
    }
    return this.#call(entry, params, frame)
  }

  /** The server-side policies that act before the handler runs: permissions, a cache hit, @loading, @background. */
  async #eventWithPolicies (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame): Promise<void> {
    if (entry.permissions.length > 0) await this.#checkPermissions(entry)
    if (frame.hit !== undefined && entry.cache !== undefined && this.#restore(frame.hit, cacheKey(entry, params))) {
      const changed = await this.#render()
      this.#reply(frame.ref, changed, { snap: frame.hit })
      return
    }
    if (entry.loading !== undefined) {
      (this.view as any)[entry.loading] = true
      if (!entry.background) await this.#patch()
    }
    if (entry.background) {
      this.#reply(frame.ref, await this.#render())
      const event = { handler: entry.name, type: frame.type, request: this.request }
      this.startAsync(entry.name, (signal) => entry.fn.call(this.view, params, { ...event, signal }), entry.loading)
      return
    }
    await this.#call(entry, params, frame)
  }

  /** Runs the handler, then renders and answers; a promise only when something on the way returned one. */
  #call (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame): Promise<void> | undefined {
    let result: unknown
    try {
      result = entry.fn.call(this.view, params, new HandlerEvent(entry.name, frame.type, this.request, this))
    } catch (err) {
      return this.#handled(entry, params, frame, { err })
    }
    if (!isThenable(result)) return this.#handled(entry, params, frame, undefined)
    return Promise.resolve(result).then(
      () => this.#handled(entry, params, frame, undefined),
      (err: unknown) => this.#handled(entry, params, frame, { err })
    )
  }

  /** After the handler: @loading off, render, answer. */
  #handled (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame, failure: { err: unknown } | undefined): Promise<void> | undefined {
    if (entry.loading !== undefined) (this.view as any)[entry.loading] = false
    if (this.closed) return undefined
    const changed = this.#render()
    if (typeof changed !== 'boolean') return changed.then((c) => this.#answer(entry, params, frame, failure, c))
    this.#answer(entry, params, frame, failure, changed)
    return undefined
  }

  #answer (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame, failure: { err: unknown } | undefined, changed: boolean): void {
    if (failure !== undefined) {
      // State changed before the throw is kept and shown, like any function's.
      if (changed) this.#sendPatch()
      this.log.error({ err: failure.err, view: this.#info.name, handler: entry.name }, 'fastify-live: event handler threw')
      return this.#error('handler_error', `${this.#info.name}.${entry.name}() threw: ${errorMessage(failure.err)}`, { ref: frame.ref, handler: entry.name })
    }
    let extra: Record<string, unknown> | undefined
    if (entry.clientState !== undefined) {
      const view = this.view as any
      const cs: Record<string, unknown> = {}
      for (const key of entry.clientState) cs[key] = view[key]
      extra = { cs }
    }
    if (entry.cache !== undefined) {
      const snap = this.#snapshot(cacheKey(entry, params))
      if (snap !== undefined) (extra ??= {}).snap = snap
    }
    // A cacheable result always carries its HTML: the browser stores it. So
    // does a submit's: the browser gives the form the server's values (a
    // text box clears after "Add"), also when the form's HTML did not change.
    this.#reply(frame.ref, changed, extra, entry.cache !== undefined || frame.type === 'submit')
  }

  async handleState (frame: StateFrame): Promise<void> {
    if (this.closed) return
    const keys = Object.keys(frame.values)
    const foreign = keys.find((k) => !this.#info.listensTo.has(k))
    if (foreign !== undefined) {
      return this.#error('invalid_params', `${this.#info.name} does not listen to the client-state key "${foreign}" (static listensTo)`, { ref: frame.ref })
    }
    try {
      await this.view.onClientState?.(frame.values)
      Object.assign(this.view, frame.values)
    } catch (err) {
      // Like a handler that throws: what changed is shown, and the frame gets one answer, the error.
      this.log.error({ err, view: this.#info.name }, 'fastify-live: onClientState threw')
      if (await this.#render()) this.#sendPatch()
      return this.#error('handler_error', `${this.#info.name}.onClientState() threw: ${errorMessage(err)}`, { ref: frame.ref })
    }
    try {
      this.#reply(frame.ref, await this.#render())
    } catch (err) {
      this.#renderFailed(err, { ref: frame.ref })
    }
  }

  /** A full render, whatever the browser holds (it reported a missed patch). */
  async handleRender (ref: number): Promise<void> {
    try {
      await this.#render()
    } catch (err) {
      return this.#renderFailed(err, { ref })
    }
    this.#send({ t: 'reply', ref, id: this.id, v: this.version, html: this.html })
  }

  // ---- tasks ---------------------------------------------------------------

  async push (): Promise<void> {
    if (this.out !== null && !this.closed) await this.#patch()
  }

  startAsync (name: string, fn: (signal: AbortSignal) => unknown, loading?: string): void {
    if (this.closed) return
    this.cancelAsync(name)
    if (loading !== undefined) (this.view as any)[loading] = true // cancelling the run it replaces turned it off
    const controller = new AbortController()
    ;(this.#tasks ??= new Map()).set(name, controller)
    this.#core.stats.tasks++
    const settle = (result: unknown, error: unknown): void => {
      if (this.#tasks?.get(name) !== controller) return // cancelled or replaced: dropped
      this.#tasks.delete(name)
      this.#core.stats.tasks--
      this.enqueue(() => this.#taskDone(name, result, error, loading), undefined)
    }
    // A task runs beside the queue; only its completion re-enters it.
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then((result) => settle(result, undefined), (error) => settle(undefined, error ?? new Error('task failed')))
  }

  cancelAsync (name: string): boolean {
    const controller = this.#tasks?.get(name)
    if (controller === undefined) return false
    this.#tasks!.delete(name)
    this.#core.stats.tasks--
    controller.abort(new Error(`task "${name}" was cancelled`))
    // A cancelled @background task never reaches #taskDone: turn its @loading off here.
    const entry = this.#info.table.handlers.get(name)
    if (entry !== undefined && entry.background && entry.loading !== undefined && !this.closed) (this.view as any)[entry.loading] = false
    return true
  }

  async #taskDone (name: string, result: unknown, error: unknown, loading: string | undefined): Promise<void> {
    if (this.closed) return
    if (loading !== undefined) (this.view as any)[loading] = false
    let hookError: unknown
    try {
      await this.view.handleAsyncResult?.(name, result, error)
    } catch (err) {
      hookError = err
    }
    try {
      await this.#patch()
    } catch (err) {
      return this.#renderFailed(err, { handler: name })
    }
    const failure = error ?? hookError
    if (failure !== undefined) {
      this.log.error({ err: failure, view: this.#info.name, task: name }, 'fastify-live: task failed')
      this.#error('handler_error', `${this.#info.name} task "${name}" failed: ${errorMessage(failure)}`, { handler: name })
    }
  }

  /** End the session: cancel tasks, abort its signal, never render again. */
  close (): void {
    if (this.closed) return
    this.closed = true
    for (const name of [...this.#tasks?.keys() ?? []]) this.cancelAsync(name)
    this.#life?.abort(new Error('the view was closed'))
    this.#snapshots = undefined
    this.out = null
    this.#core.stats.views--
  }

  /** The view's life signal (LiveEvent.signal): aborts when the view closes; made when first asked for. */
  get lifeSignal (): AbortSignal {
    this.#life ??= new AbortController()
    if (this.closed && !this.#life.signal.aborted) this.#life.abort(new Error('the view was closed'))
    return this.#life.signal
  }

  // ---- rendering -----------------------------------------------------------

  /**
   * Render; returns whether the HTML changed. A change bumps the version and
   * prepares what to send: only the element that changed when it has an id
   * (lib/diff.ts), else the full HTML.
   */
  #render (): boolean | Promise<boolean> {
    const html = this.#renderInner()
    return typeof html === 'string' ? this.#rendered(html) : html.then((h) => this.#rendered(h))
  }

  #rendered (html: string): boolean {
    const before = this.#last.text
    if (html === before) return false
    const d = this.#last.next(html, before)
    // Kept as the JSON it is sent as: a fresh string, where the delta's
    // slices would keep the whole render alive. A delta always applies to
    // the render just before it (`v - 1`).
    this.#change = d === null ? `,"html":${JSON.stringify(html)}` : `,"d":${JSON.stringify(d)}`
    this.version++
    return true
  }

  async #patch (): Promise<void> {
    if (await this.#render()) this.#sendPatch()
  }

  /** Send the last render, unasked (no ref). */
  #sendPatch (): void {
    this.#sendText(`{"t":"patch","id":"${this.id}","v":${this.version}${this.#takeChange()}}`)
  }

  /** The last render's change, once: a full render's JSON is not kept beside the render itself. */
  #takeChange (): string {
    const change = this.#change
    this.#change = ''
    return change
  }

  /** `live.embed()` in a template: a marker the second pass replaces (#fillEmbeds). */
  embedMarker (name: string, props: Record<string, unknown> = {}): Html {
    if (!this.#info.embeds.has(name)) {
      throw new Error(`${this.#info.name} embeds no view named "${name}"; add it to static embeds (known: ${[...this.#info.embeds.keys()].join(', ') || 'none'})`)
    }
    const calls = (this.#calls ??= [])
    calls.push({ name, props })
    return safe(`<!--live-embed:${calls.length - 1}-->`)
  }

  get scripts (): Html { return safe(this.#core.scripts) }

  /** The `live.embed()` calls of the render in progress, if any. */
  #calls: Array<{ name: string, props: Record<string, unknown> }> | null = null

  /** The inner HTML; a promise only when the template embeds views. */
  #renderInner (): string | Promise<string> {
    const context = publicState(this.view)
    context.live = helpers
    this.#calls = null
    const outer = rendering
    rendering = this
    let html: string
    try {
      html = this.#info.template.render(context)
    } finally {
      rendering = outer
    }
    const calls = this.#calls
    this.#calls = null
    return calls === null ? html : this.#fillEmbeds(html, calls)
  }

  /**
   * Embedded views are placed by a second pass: the synchronous template left
   * a marker per `live.embed()`; existing embeds become empty root shells
   * (the browser keeps their content), new ones are mounted and rendered.
   * An embed's identity is its position and name in the parent.
   */
  async #fillEmbeds (html: string, calls: Array<{ name: string, props: Record<string, unknown> }>): Promise<string> {
    const children: Array<{ name: string, session: Session }> = []
    const parts: string[] = []
    for (let k = 0; k < calls.length; k++) {
      const { name, props } = calls[k]!
      const old = this.#children?.[k]
      let child = old?.name === name && !old.session.closed ? old.session : undefined
      const id = childId(this.id, k, name)
      child ??= this.out?.session(id)
      if (child !== undefined) {
        parts.push(`<div id="${child.id}" data-live-root></div>`)
      } else {
        const init = this.#where
        child = await Session.mount(this.#core, this.#info.embeds.get(name)!, {
          routeKey: init.routeKey, chain: [...init.chain, name], params: init.params, query: init.query, props: plain(props), request: this.request, id,
        })
        parts.push(await child.renderRoot())
        // Its own join takes it from here, whether this render is an HTTP page, a remount on join or a re-render.
        if (this.out === null) child.fromHttp = true
        this.#core.handoff.put(child.id, child)
      }
      children.push({ name, session: child })
    }
    for (const old of this.#children?.slice(children.length) ?? []) if (old.session.out === null) old.session.close()
    this.#children = children
    return html.replace(/<!--live-embed:(\d+)-->/g, (_, k) => parts[Number(k)]!)
  }

  /** Sessions this one mounted for its embeds (for the HTTP handoff). */
  get children (): readonly Session[] { return this.#children?.map((c) => c.session) ?? [] }

  // ---- @cache snapshots ----------------------------------------------------

  /** Snapshot the state a cached result shows, for hits on the same handler and key params only. */
  #snapshot (key: string): string | undefined {
    let state: Record<string, unknown>
    try {
      state = structuredClone(publicState(this.view))
    } catch (err) {
      this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name} has state that cannot be snapshotted for @cache (${errorMessage(err)}); keep public properties plain data`)
      return undefined
    }
    // Unguessable, and only good for the same handler and key: a client cannot
    // roll the view back to an arbitrary earlier state.
    const id = randomBytes(9).toString('base64url')
    const snapshots = (this.#snapshots ??= new Map())
    snapshots.set(id, { key, state })
    if (snapshots.size > MAX_SNAPSHOTS) snapshots.delete(snapshots.keys().next().value!)
    return id
  }

  /** Put the view back in the state of a cached result; `false` when that snapshot is gone or for another call. */
  #restore (id: string, key: string): boolean {
    const snapshots = this.#snapshots
    const snapshot = snapshots?.get(id)
    if (snapshot === undefined || snapshot.key !== key) return false
    snapshots!.delete(id)
    snapshots!.set(id, snapshot) // most recently used
    const state = snapshot.state
    const view = this.view as any
    for (const key of Object.keys(publicState(view))) if (!(key in state)) delete view[key]
    Object.assign(view, structuredClone(state))
    return true
  }

  // ---- replies -------------------------------------------------------------

  async #checkPermissions (entry: HandlerEntry): Promise<void> {
    const missing = await missingPermissions(this.#core, this.request, entry.permissions)
    if (missing !== null) {
      throw new WireError('forbidden', `${this.#info.name}.${entry.name}() requires ${missing}`, entry.name)
    }
  }

  /**
   * `full`: send the whole HTML even when a delta would do (results the
   * browser caches). The frame is written as text: this runs once per event,
   * and serializing an object costs more than the rest of a small reply.
   */
  #reply (ref: number, changed: boolean, extra?: Record<string, unknown>, full = false): void {
    // `ref` is a validated integer, the id is ours ([A-Za-z0-9_-]) and `v` a counter: none needs escaping.
    let json = `{"t":"reply","ref":${ref},"id":"${this.id}","v":${this.version}`
    const change = this.#takeChange()
    if (full) json += `,"html":${JSON.stringify(this.html)}`
    else if (changed) json += change
    if (extra !== undefined) for (const key in extra) json += `,${JSON.stringify(key)}:${JSON.stringify(extra[key])}`
    this.#sendText(json + '}')
  }

  #error (code: WireErrorCode, detail: string, at: { ref?: number, handler?: string }): void {
    this.#send(errorFrame(this.#core, code, detail, { ...at, id: this.id }))
  }

  #send (frame: Record<string, unknown>): void {
    this.#sendText(JSON.stringify(frame))
  }

  #sendText (json: string): void {
    if (!this.closed) this.out?.sendText(json)
  }

  /** The template threw: the browser keeps its last good HTML and gets an answer instead of waiting for one. */
  #renderFailed (err: unknown, at: { ref?: number, handler?: string }): void {
    this.log.error({ err, view: this.#info.name }, 'fastify-live: render failed')
    this.#error('handler_error', `${this.#info.name} could not render: ${errorMessage(err)}`, at)
  }
}

/**
 * The session whose template is rendering. Rendering is synchronous, so one
 * module-level slot (saved and restored around nested renders) lets every
 * session share one `live` helpers object instead of closures of its own.
 */
let rendering: Session | null = null

/** The template context's `live`: `live.embed(name, props)` and `live.scripts()`. */
const helpers = Object.freeze({
  embed: (name: string, props?: Record<string, unknown>): Html => current().embedMarker(name, props),
  scripts: (): Html => current().scripts,
})

function current (): Session {
  if (rendering === null) throw new Error('live helpers can only be called while a live view renders')
  return rendering
}

/** A handler's second argument; its `signal` is made only when read. */
class HandlerEvent implements LiveEvent {
  readonly #session: Session
  constructor (readonly handler: string, readonly type: string, readonly request: FastifyRequest, session: Session) {
    this.#session = session
  }

  get signal (): AbortSignal { return this.#session.lifeSignal }
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as any).then === 'function'
}

/** The error frame the browser sees: detailed in debug mode, generic otherwise. */
export function errorFrame (core: Core, code: WireErrorCode, detail: string, at: { ref?: number, id?: string, handler?: string }): Record<string, unknown> {
  return { t: 'error', ...at, code, message: core.opts.debug ? detail : GENERIC_MESSAGES[code] }
}

/** `null` when every permission is granted, else a description of what is missing. A resolver that throws grants nothing. */
export async function missingPermissions (core: Core, request: FastifyRequest, required: readonly string[]): Promise<string | null> {
  let granted: Set<string>
  try {
    granted = new Set(await core.opts.permissions(request))
  } catch (err) {
    request.log.warn({ err }, 'fastify-live: the permissions resolver threw; refusing')
    return `the permission ${required.join(', ')} (the permissions resolver failed)`
  }
  const missing = required.filter((p) => !granted.has(p))
  return missing.length === 0 ? null : `the permission${missing.length > 1 ? 's' : ''} ${missing.map((p) => `"${p}"`).join(', ')}`
}

/** What a `@cache` result is keyed by: the handler and the values of its key params (as validated). */
function cacheKey (entry: HandlerEntry, params: Record<string, unknown>): string {
  return entry.name + JSON.stringify(entry.cache!.keyParams.map((p) => params[p] ?? null))
}

/** Embed ids are derived from the parent's, so a remounted parent finds its embeds where the browser has them. */
function childId (parent: string, k: number, name: string): string {
  return 'lv-' + createHash('sha256').update(`${parent}/${k}/${name}`).digest('base64url').slice(0, 10)
}

function plain (props: Record<string, unknown>): Record<string, unknown> {
  return typeof props === 'object' && props !== null ? JSON.parse(JSON.stringify(props)) : {}
}

function paramList (entry: HandlerEntry): string {
  return Array.isArray(entry.params) ? entry.params.join(', ') : Object.keys(entry.params ?? {}).join(', ')
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
