import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import { Channels, type ChannelHost, type ChannelState } from './channels.js'
import type { Core } from './core.js'
import type { HandlerEntry } from './dispatch.js'
import { Embeds, helpers, renderWith, type EmbedHost, type Rendering } from './embeds.js'
import { FST_LIVE_HANDLER, FST_LIVE_NAVIGATION, WireError, type WireErrorCode } from './errors.js'
import { JobQueue, type Job } from './job-queue.js'
import { jsonDataProblem, portableState } from './json-data.js'
import { LastRender } from './last-render.js'
import { NavState, type Target } from './navigation.js'
import { missingPermissions } from './permissions.js'
import { changeMembers, errorFrame, fullReplyFrame, patchFrame, pushFrame, replyFrame, type EventFrame, type RecoverFrame, type StateFrame, type UploadFrame, type UrlFrame } from './protocol.js'
import { safe, type Html } from './render.js'
import { copyData, sameData, NOT_DATA } from './same-data.js'
import { streamsOf } from './streams.js'
import { changesSince, markState, renderHash, Snapshots, type SnapshotBudget, type StateMark } from './snapshots.js'
import { kRuntime } from './symbols.js'
import { Tasks } from './tasks.js'
import { newRootId } from './token.js'
import type { Metas, PresenceDiff } from './presence.js'
import { publicState, type LiveEvent, type LiveView, type ViewRuntime } from './view.js'
import type { ViewInfo } from './catalog.js'
import { ViewUploads, type UploadedFile } from './uploads.js'

/** What a session sends through; lib/connection.ts implements it. */
export interface Outbox {
  /** Send one frame, already serialized to JSON. */
  sendText (json: string): void
  /** Send one frame of JSON text made of `head`, `body` (UTF-8 bytes) and `tail`. */
  sendAround (head: string, body: Buffer, tail: string): void
  /**
   * Whether the socket holds more unsent bytes than its budget. Renders are
   * then held back: the view is marked stale and sent whole once it drains.
   */
  readonly backedUp: boolean
  /** Send this view one full render when the socket drains. */
  markStale (session: Session): void
  /** Another session joined on the same socket, if any (embeds adopt theirs). */
  session (id: string): Session | undefined
  /** The socket's `@cache` snapshot memory, shared by its views (`maxCacheBytes`). */
  readonly snapshotBudget: SnapshotBudget
}

export interface SessionInit {
  routeKey: string
  chain: string[]
  params: Record<string, string>
  query: Record<string, unknown>
  props: Record<string, unknown>
  request: FastifyRequest
  id?: string
  /** The page's path and query, for `handleParams` (the routed view only). */
  url?: string
  /** Flash messages carried over a navigation or redirect into this view. */
  flash?: Record<string, string> | undefined
}

/** A view's state between its HTTP render and its join, as the handoff store keeps it (JSON). */
interface Handed {
  /** The public state. */
  s: Record<string, unknown>
  /** The inner HTML the page holds, and its version. */
  h: string
  v: number
  /** Subscriptions and tracks made before the join. */
  c?: ChannelState
  /** Parked (its socket dropped): the browser may hold an older render, and these tasks were running. */
  p?: { tasks: string[] }
  /** Flash messages (lib/navigation.ts Flash). */
  f?: Record<string, [string, boolean]>
}

/** A message or a presence change waiting for its view (`handleInfo`, `handlePresence`). */
type Inbound = { topic: string, message: unknown } | { topic: string, list: Metas, diff: PresenceDiff }

/** Events of `pushEvent` one view may have waiting for a frame; past it the oldest are dropped. */
export const MAX_PUSHED = 100

/** Messages one view may have waiting; past it the oldest are dropped (a view that cannot keep up). */
export const MAX_INBOX = 1000

/**
 * One mounted view: its instance, its last render and version, its queue of
 * work. Created by an HTTP render (then handed to the join) or by a join; ends
 * when its page leaves or its socket closes. What it delegates: the queue
 * (lib/job-queue.ts), tasks (lib/tasks.ts), `@cache` snapshots
 * (lib/snapshots.ts), embeds and template helpers (lib/embeds.ts), frames
 * (lib/protocol.ts), permissions (lib/permissions.ts).
 */
export class Session implements ViewRuntime, EmbedHost, Rendering, ChannelHost {
  readonly id: string
  readonly view: LiveView
  /** The render version; increases whenever the HTML changes. */
  version = 1
  /** The inner HTML the browser holds once it is up to date. */
  get html (): string { return this.#last.text }
  /** `true` while the browser holds exactly `html` from the HTTP response. */
  fromHttp = false
  out: Outbox | null = null
  /** The route's permissions, checked again before every event (`recheckPermissions: 'every-event'`); empty otherwise. */
  routePermissions: readonly string[] = []
  request: FastifyRequest
  log: FastifyBaseLogger
  closed = false

  readonly #core: Core
  readonly #info: ViewInfo
  /** Where the view was mounted from (what its embeds inherit). */
  #where: Omit<SessionInit, 'request' | 'id' | 'flash'>
  readonly #queue: JobQueue<Session>
  // Made on first use: most views never start a task, cache a result or
  // embed another view, and every session costs heap while it lives.
  #life: AbortController | undefined
  #tasks: Tasks | undefined
  #snapshots: Snapshots | undefined
  /** The public state before the running handler, when its changes matter to `@cache` (lib/snapshots.ts). */
  #before: StateMark | undefined
  #embeds: Embeds<Session> | undefined
  /**
   * How the last render reaches the browser, as the JSON members of a frame
   * (lib/protocol.ts changeMembers); sent once, then dropped. Tests should
   * read the HTML a page holds (lib/testing.ts `page.html()`), not replies.
   */
  #change = ''
  /** The HTML the browser holds once it is up to date. */
  readonly #last = new LastRender()
  /** Refs of `render` frames waiting for the one full render queued for them, or `null` when none is. */
  #renders: number[] | null = null
  #channels: Channels | undefined
  /** Messages waiting for the job queued for them, and when that job was queued (JobQueue.accepted). */
  #inbox: Inbound[] | null = null
  #inboxAt = -1
  #inboxOverflowed = false
  /**
   * `static pureHandleInfo` views only: the token of the broadcast render
   * this view last shared (Session#renderShared). Any other render clears
   * it: every handler, task end, push() and request renders.
   */
  #alike: object | null = null
  /** The message the running inbox job handled when it handled exactly one, else NO_MESSAGE. */
  #onlyMessage: unknown = NO_MESSAGE
  /** Events of `pushEvent` (each `[name,payload]` as JSON) waiting for the next frame of this view, or `null`. */
  #pushed: string[] | null = null
  /** Validation messages of the last call refused for its params (`live.errors`), or `null`. */
  #errors: Record<string, string> | null = null
  /** The view's uploads (lib/uploads.ts), when it declares `static uploads`. */
  #uploads: ViewUploads | undefined

  private constructor (core: Core, info: ViewInfo, init: SessionInit) {
    this.#core = core
    this.#info = info
    // Not the request: the join's replaces it, and the page's must not live on with the view.
    this.#where = { routeKey: init.routeKey, chain: init.chain, params: init.params, query: init.query, props: init.props, url: init.url }
    this.id = init.id ?? newRootId()
    this.request = init.request
    this.log = init.request.log
    this.view = new info.View()
    this.#queue = new JobQueue<Session>(this, core.opts.queue, (err) => this.#queueError(err))
    Object.defineProperty(this.view, kRuntime, { value: this, enumerable: false })
    core.stats.views++
  }

  get info (): ViewInfo { return this.#info }

  /** The route of a routed view (`undefined` for an embed): what a navigation leaves. */
  get routeKey (): string | undefined { return this.#where.chain.length === 0 ? this.#where.routeKey : undefined }

  /** Create the view, set its props and run `mount()`. */
  static async mount (core: Core, info: ViewInfo, init: SessionInit): Promise<Session> {
    const session = new Session(core, info, init)
    try {
      Object.assign(session.view, init.props)
      // a view mounted anew: the browser's items of an earlier mount go (lib/streams.ts)
      streamsOf(session.view)?.resetAll()
      if (init.flash !== undefined) session.#navOf().flash.arrive(init.flash)
      await session.view.mount({ params: init.params, query: init.query, request: init.request, props: init.props })
      if (init.chain.length === 0 && init.url !== undefined) await session.view.handleParams?.({ params: init.params, query: init.query, url: init.url })
    } catch (err) {
      session.close()
      throw err
    }
    return session
  }

  /**
   * A view handed over from an HTTP render (maybe on another process): the
   * state it rendered is adopted, without running `mount()` again. The
   * browser holds exactly that render.
   */
  static adopt (core: Core, info: ViewInfo, init: SessionInit, entry: string): Session {
    const handed = JSON.parse(entry) as Handed
    const session = new Session(core, info, init)
    Object.assign(session.view, handed.s)
    session.#last.text = handed.h
    session.version = handed.v
    // A page rendered over HTTP holds exactly that render; a parked view's page may have missed patches before the drop.
    session.fromHttp = handed.p === undefined
    if (handed.c !== undefined) session.#channelsOf().restore(handed.c)
    if (handed.f !== undefined) session.#navOf().flash.restore(handed.f)
    session.resumed = handed.p !== undefined
    // Tasks do not travel: each learns it was cut short, once the view is joined again.
    for (const name of handed.p?.tasks ?? []) {
      const error = new DOMException(`the task "${name}" was cut short when the view was parked`, 'AbortError')
      session.enqueue(session.#taskDone, { name, result: undefined, error })
    }
    return session
  }

  /**
   * The view as the handoff store keeps it; `undefined`, with a warning, when
   * its public state is not JSON data (the join then mounts it again).
   */
  serialize (parked = false): string | undefined {
    const state = portableState(publicState(this.view))
    const problem = jsonDataProblem(state, 'state')
    if (problem !== undefined) {
      this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name} cannot be handed to its join or parked: ${problem.replace(/^state\./, '')}; keep public properties plain JSON data (strings, numbers, booleans, null, arrays, plain objects)`)
      return undefined
    }
    const handed: Handed = { s: state, h: this.html, v: this.version }
    const channels = this.#channels?.state()
    if (channels !== undefined) handed.c = channels
    if (parked) handed.p = { tasks: this.#tasks?.names() ?? [] }
    const flash = this.#nav?.flash.state()
    if (flash !== undefined) handed.f = flash
    return JSON.stringify(handed)
  }

  /**
   * The socket dropped (or the app closes): keep the view's state for
   * `reconnectTtl` so a rejoin resumes it, here or on another process. Too
   * large or not JSON: it is not parked, and ends.
   */
  async park (): Promise<void> {
    if (this.closed) return
    const entry = this.serialize(true)
    this.close()
    const max = this.#core.opts.maxParkedBytes
    if (entry !== undefined && Buffer.byteLength(entry) > max) {
      this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name} was not parked: its state and render take ${Buffer.byteLength(entry)} bytes, more than maxParkedBytes (${max}); a rejoin mounts it again`)
    } else if (entry !== undefined) {
      await this.#core.handoff.park(this.id, entry, this.#core.opts.reconnectTtl, this.log)
    }
  }

  #ended = false

  /** `true` when this view was resumed from a park: its join answers with the full render, and it did not mount. */
  resumed = false

  /** A render for a page failed (a GET, a navigate): nobody will join the view or its embeds, so all of them end. */
  endTree (): void {
    for (const child of this.children) child.endTree()
    this.end()
  }

  /** Rendered for a page: the view waits for its join, and only the first join adopts it (its embeds were handed over as they were mounted). */
  async handOff (): Promise<void> {
    this.fromHttp = true
    await this.#core.handoff.keep(this)
  }

  /** End the view for good: close it and run its `unmount()` once. */
  end (): void {
    if (this.#ended) return
    this.#ended = true
    this.close()
    const unmount = this.view.unmount
    if (unmount === undefined) return
    const fail = (err: unknown): void => this.log.error({ err, view: this.#info.name }, 'fastify-live: unmount() threw')
    try {
      const result = unmount.call(this.view)
      if (isThenable(result)) Promise.resolve(result).then(undefined, fail)
    } catch (err) {
      fail(err)
    }
  }

  /** The root element with its token and inner HTML (for the page, or a new embed). */
  async renderRoot (): Promise<string> {
    const html = await this.#renderInner()
    this.#last.text = html
    if (this.view.pageTitle !== undefined) this.#navOf().title = this.view.pageTitle
    return `<div id="${this.id}" data-live-root data-live-token="${this.#token()}"${this.#info.rootAttrs}>${html}</div>`
  }

  /** The mount token of where the view is now: a rejoin after a patch mounts (or resumes) the patched URL. */
  #token (): string {
    const where = this.#where
    const claims = { r: where.routeKey, c: where.chain, i: this.id, a: where.params, q: where.query, p: where.props }
    return this.#core.signer.sign(where.url === undefined ? claims : { ...claims, u: where.url })
  }

  /** Join: attach to a socket. The browser holds `html` only if the page was just rendered. */
  attach (out: Outbox, request: FastifyRequest): { v: number, html?: string } {
    this.out = out
    this.request = request
    this.log = request.log
    const reply = this.fromHttp ? { v: this.version } : { v: this.version, html: this.html }
    this.fromHttp = false
    this.#channels?.activate()
    return reply
  }

  get attached (): boolean { return this.out !== null }

  // ---- the event path -------------------------------------------------------

  /**
   * Run `job(arg)` in the view's order. `bytes`: the size of the frame it
   * carries; a full queue refuses it (`false`) and runs nothing.
   */
  enqueue<T> (job: Job<Session, T>, arg: T, bytes = 0): boolean {
    return this.#queue.enqueue(job, arg, bytes)
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
    if (entry.validate !== null && !entry.validate(params)) return this.#refuseParams(entry, params)
    // the call passed: last call's validation messages are gone from its render
    this.#errors = null
    if (entry.permissions.length > 0 || this.routePermissions.length > 0 || entry.loading !== undefined || entry.background || (frame.hit !== undefined && entry.cache !== undefined)) {
      return this.#eventWithPolicies(entry, params, frame)
    }
    return this.#call(entry, params, frame)
  }

  /**
   * Params that fail the handler's schema: the handler is not called, and
   * the render that answers shows a message per field (`live.errors`), sent
   * as a patch just before the `invalid_params` error that answers the call.
   */
  #refuseParams (entry: HandlerEntry, params: Record<string, unknown>): Promise<void> {
    const e = entry.validate!.errors![0]!
    const undeclared = Object.keys(params).filter((k) => !entry.allowed!.includes(k))
    const what = undeclared.length > 0
      ? `has ${undeclared.length === 1 ? 'an undeclared param' : 'undeclared params'} ${undeclared.map((k) => `"${k}"`).join(', ')} (declared: ${paramList(entry) || 'none'}); add ${undeclared.length === 1 ? 'it' : 'them'} to @eventHandler({ params }), or remove the form field or data-* attribute of that name`
      : `param "${e.instancePath.slice(1)}" ${e.message}` // params are an object (lib/protocol.ts): what is left is a field's
    const refused = new WireError('invalid_params', `${this.#info.name}.${entry.name}(): ${what}`, entry.name)
    this.#errors = entry.explain!(params)
    const changed = this.#render()
    const answer = (c: boolean): never => {
      if (c) this.#sendPatch()
      throw refused
    }
    return typeof changed === 'boolean' ? answer(changed) : changed.then(answer)
  }

  /** `live.errors` in a template: the messages of the last refused call, until a call passes. */
  get errors (): Readonly<Record<string, string>> { return this.#errors ?? NO_ERRORS }

  /** The server-side policies that act before the handler runs: permissions, a cache hit, @loading, @background. */
  async #eventWithPolicies (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame): Promise<void> {
    if (this.routePermissions.length > 0) await this.#checkPermissions(entry, this.routePermissions, 'the route')
    if (entry.permissions.length > 0) await this.#checkPermissions(entry, entry.permissions, `${this.#info.name}.${entry.name}()`)
    if (frame.hit !== undefined && entry.cache !== undefined && await this.#hit(frame.hit, cacheKey(entry, params), frame.ref)) return
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
    this.#before = entry.cache !== undefined || this.#snapshots?.watching === true ? markState(publicState(this.view)) : undefined
    let result: unknown
    try {
      result = entry.fn.call(this.view, params, new HandlerEvent(entry.name, frame.type, this.request, this))
    } catch (err) {
      return this.#handled(entry, params, frame, { err })
    }
    if (!isThenable(result)) return this.#handled(entry, params, frame, undefined)
    const ms = this.#core.opts.handlerTimeout
    return (ms > 0 ? settleWithin(result, ms) : Promise.resolve(result)).then(
      () => this.#handled(entry, params, frame, undefined),
      (err: unknown) => this.#handled(entry, params, frame, { err })
    )
  }

  /** After the handler: @loading off, render, answer. */
  #handled (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame, failure: { err: unknown } | undefined): Promise<void> | undefined {
    if (entry.loading !== undefined) (this.view as any)[entry.loading] = false
    if (this.closed) return undefined
    const moving = failure === undefined ? this.#nav?.patch : undefined
    if (moving !== undefined) return this.#patchAfter(moving, entry, params, frame)
    const changed = this.#render()
    if (typeof changed !== 'boolean') return changed.then((c) => this.#answer(entry, params, frame, failure, c))
    this.#answer(entry, params, frame, failure, changed)
    return undefined
  }

  #answer (entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame, failure: { err: unknown } | undefined, changed: boolean): void {
    const snap = this.#afterHandler(entry, params, failure === undefined)
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
    if (snap !== undefined) (extra ??= {}).snap = snap
    // A cacheable result always carries its HTML: the browser stores it. So
    // does a submit's: the browser gives the form the server's values (a
    // text box clears after "Add"), also when the form's HTML did not change.
    this.#reply(frame.ref, changed, extra, entry.cache !== undefined || frame.type === 'submit')
  }

  // ---- live navigation (lib/navigation.ts) ---------------------------------

  #nav: NavState | undefined

  #navOf (): NavState {
    return (this.#nav ??= new NavState())
  }

  /** The live route of `url`, which must be this view's own (a patch never moves a view to another route). */
  #samePattern (url: unknown): Target {
    const target = this.#core.navigator.match(url)
    if (target.route.key !== this.#where.routeKey || this.#where.chain.length > 0) {
      throw new WireError('bad_url', `${target.url} is the route ${target.route.key}; a patch stays within ${this.#where.chain.length > 0 ? 'the page\'s routed view' : this.#where.routeKey} (to open another route, navigate to it)`)
    }
    return target
  }

  /** The view moves to `target`: its flash crosses a navigation, its token follows, `handleParams` runs. */
  async #moveTo (target: Target): Promise<void> {
    this.#navOf().flash.cross()
    this.#where = { ...this.#where, params: target.params, query: target.query, url: target.url }
    await this.view.handleParams?.({ params: target.params, query: target.query, url: target.url })
  }

  /** `this.patch(url)` in a handler: `handleParams` runs after it, then the one render, whose reply tells the browser the URL. */
  async #patchAfter (moving: { target: Target, replace: boolean }, entry: HandlerEntry, params: Record<string, unknown>, frame: EventFrame): Promise<void> {
    this.#nav!.patch = undefined
    let failure: { err: unknown } | undefined
    try {
      await this.#moveTo(moving.target)
      this.#nav!.send({ patch: moving.target.url, replace: moving.replace }, `,"token":"${this.#token()}"`)
    } catch (err) {
      failure = { err }
    }
    return this.#handled(entry, params, frame, failure)
  }

  /** A `params` frame (a `live-patch` link, back or forward within the view): `handleParams`, one render, a reply like an event's. */
  async handleUrl (frame: UrlFrame): Promise<void> {
    if (this.closed) return
    let target: Target
    try {
      target = this.#samePattern(frame.url)
    } catch (err) {
      return this.#error((err as WireError).code, (err as WireError).detail, { ref: frame.ref })
    }
    await this.#hookThenAnswer(frame.ref, 'handleParams', () => this.#moveTo(target), () => ({ token: this.#token() }))
  }

  /** A navigate frame leaves this view: the flash set since the last navigation travels to the next view. */
  crossFlash (): Record<string, string> | undefined {
    return this.#nav?.flash.cross()
  }

  patchUrl (url: string, replace: boolean): void {
    let target: Target
    try {
      target = this.#samePattern(url)
    } catch (err) {
      throw new FST_LIVE_NAVIGATION(`${this.#info.name}.patch(${JSON.stringify(url)}): ${(err as WireError).detail ?? errorMessage(err)}`)
    }
    this.#navOf().patch = { target, replace }
  }

  navigateTo (url: string): void { this.#navOf().navigate(url, this.#info.name) }
  redirectTo (url: string, external: boolean): void { this.#navOf().redirect(url, external, this.#info.name, this.#core.opts.secret) }

  putFlash (kind: string, message: string): void {
    this.#navOf().flash.put(kind, message, this.#info.name)
  }

  flashOf (kind: string): string {
    return this.#nav?.flash.get(kind) ?? ''
  }

  /** The navigation and title members of the next frame (lib/navigation.ts NavState). */
  #navMembers (): string {
    const title = this.view.pageTitle
    if (this.#nav === undefined && title === undefined) return ''
    return this.#navOf().members(title)
  }

  async handleState (frame: StateFrame): Promise<void> {
    if (this.closed) return
    const keys = Object.keys(frame.values)
    const foreign = keys.find((k) => !this.#info.listensTo.has(k))
    if (foreign !== undefined) {
      return this.#error('invalid_params', `${this.#info.name} does not listen to the client-state key "${foreign}" (static listensTo)`, { ref: frame.ref })
    }
    await this.#hookThenAnswer(frame.ref, 'onClientState', async () => {
      await this.view.onClientState?.(frame.values)
      Object.assign(this.view, frame.values)
    })
  }

  /**
   * Runs the view's hook `name`, renders, and answers `ref` once: with the
   * render (and `extra`), or, when the hook threw, with its error after a
   * patch of what it changed first, as for a handler that throws; a render
   * that fails after a hook that threw still answers with the hook's error.
   */
  async #hookThenAnswer (ref: number, name: string, hook: () => Promise<void>, extra?: () => Record<string, unknown>): Promise<void> {
    let failure: unknown
    try {
      await hook()
    } catch (err) {
      failure = err
    }
    let changed: boolean
    try {
      changed = await this.#render()
    } catch (err) {
      if (failure === undefined) return this.#renderFailed(err, { ref })
      this.log.error({ err, view: this.#info.name }, 'fastify-live: render failed')
      changed = false
    }
    if (failure === undefined) return this.#reply(ref, changed, extra?.())
    if (changed) this.#sendPatch()
    this.log.error({ err: failure, view: this.#info.name }, `fastify-live: ${name} threw`)
    this.#error('handler_error', `${this.#info.name}.${name}() threw: ${errorMessage(failure)}`, { ref, handler: name })
  }

  /**
   * Form recovery: the view was mounted anew after a reconnect, and the page
   * sends what its forms hold, each to its `live-change` handler
   * (`event.recovering`). All of them run, then one render answers with the
   * full HTML; a handler that fails is reported once, never refused, so the
   * page cannot loop on it.
   */
  async handleRecover (frame: RecoverFrame): Promise<void> {
    if (this.closed) return
    let failure: { handler: string, detail: string, err?: unknown } | undefined
    for (const { h, p } of frame.forms) {
      const entry = this.#info.table.handlers.get(h)
      if (entry === undefined || (entry.validate !== null && !entry.validate(p))) {
        failure ??= { handler: h, detail: `${this.#info.name} cannot recover a form with "${h}": ${entry === undefined ? 'there is no such event handler' : 'its fields failed the handler\'s params'}` }
        continue
      }
      try {
        const event = new HandlerEvent(h, 'change', this.request, this)
        event.recovering = true
        await entry.fn.call(this.view, p, event)
      } catch (err) {
        failure ??= { handler: h, detail: `${this.#info.name}.${h}() threw while recovering a form: ${errorMessage(err)}`, err }
      }
    }
    try {
      await this.#render()
    } catch (err) {
      return this.#renderFailed(err, { ref: frame.ref })
    }
    this.#change = ''
    this.#sendText(replyFrame(frame.ref, this.id, this.version, `,"html":${JSON.stringify(this.html)}`))
    if (failure !== undefined) {
      if (failure.err !== undefined) this.log.error({ err: failure.err, view: this.#info.name, handler: failure.handler }, 'fastify-live: form recovery threw')
      this.#error('handler_error', failure.detail, { handler: failure.handler })
    }
  }

  /**
   * A `render` frame: the browser reports a missed patch and wants the full
   * HTML. One full render is queued per view at a time; the requests that
   * arrive meanwhile are answered by it (a bare acknowledgement each).
   */
  requestRender (ref: number, bytes: number): boolean {
    if (this.#renders !== null) {
      this.#renders.push(ref)
      return true
    }
    this.#renders = []
    if (this.enqueue(this.#fullRenderSoon, ref, bytes)) return true
    this.#renders = null
    return false
  }

  /**
   * The answer waits for the frames already read from the socket: requests
   * that came in the same read (a burst) share it, one full render and bare
   * acknowledgements, instead of a full render each.
   */
  #fullRenderSoon (ref: number): Promise<void> {
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => { this.#fullRender(ref) })
  }

  /**
   * Answers with the last render, without rendering again: the browser
   * missed a patch and needs what was sent, and a state change reaches it by
   * its own render. So a `render` frame costs a write, not a template run.
   */
  #fullRender (ref: number): undefined {
    const merged = this.#renders ?? []
    this.#renders = null
    if (this.out?.backedUp === true) {
      this.out.markStale(this)
      this.#sendText(replyFrame(ref, this.id, this.version))
    } else if (!this.closed) {
      const [head, tail] = fullReplyFrame(ref, this.id, this.version)
      this.out?.sendAround(head, this.#last.json(), tail)
    }
    for (const r of merged) this.#sendText(replyFrame(r, this.id, this.version))
    return undefined
  }

  /** The socket drained after renders were held back: send the browser the whole current render once. */
  resync (): void {
    this.enqueue(this.#resyncJob, undefined)
  }

  async #resyncJob (): Promise<void> {
    if (this.closed) return
    try {
      await this.#render()
    } catch (err) {
      return this.#renderFailed(err, {})
    }
    this.#change = ''
    this.#sendText(patchFrame(this.id, this.version, `,"html":${JSON.stringify(this.html)}`))
  }

  // ---- uploads (lib/uploads.ts) ------------------------------------------------

  #uploadsOf (): ViewUploads {
    return (this.#uploads ??= new ViewUploads(this, this.#info.uploads, this.#core.uploads))
  }

  /** An `upload` frame: the files are validated and shown; the reply carries the upload URLs of the valid ones (`up`: [index, url, ref]). */
  async handleUpload (frame: UploadFrame): Promise<void> {
    if (this.closed) return
    let up: Array<[number, string, string]>
    try {
      up = this.#uploadsOf().announce(frame.name, frame.files)
    } catch (err) {
      return this.#error('invalid_params', `${this.#info.name}: ${errorMessage(err)}`, { ref: frame.ref })
    }
    let changed: boolean
    try {
      changed = await this.#render()
    } catch (err) {
      return this.#renderFailed(err, { ref: frame.ref })
    }
    const prefix = this.#core.opts.prefix
    this.#reply(frame.ref, changed, { up: up.map(([i, ref, token]) => [i, `${prefix}/upload/${token}`, ref]) })
  }

  consumeUploads<T> (name: string, fn: (file: UploadedFile) => T | Promise<T>): Promise<T[]> {
    return this.#uploadsOf().consume(name, fn)
  }

  cancelUpload (name: string, ref: string): boolean {
    return this.#uploads?.cancel(name, ref) ?? false
  }

  // ---- server-side renders ---------------------------------------------------

  /**
   * Re-render and patch the browser. From outside the view's queue (a timer,
   * a task) the render waits its turn behind queued work; from inside a job
   * (a handler awaiting `push()` mid-way) it renders at once, between that
   * job's steps, so the handler does not wait for itself.
   */
  async push (): Promise<void> {
    if (this.out === null || this.closed) return
    if (this.#queue.busy) return this.#patch()
    await new Promise<void>((resolve) => {
      if (!this.enqueue(this.#pushJob, resolve)) resolve()
    })
  }

  #pushJob (done: () => void): Promise<void> | undefined {
    const pending = this.#patch()
    if (pending === undefined) {
      done()
      return undefined
    }
    return pending.finally(done)
  }

  startAsync (name: string, fn: (signal: AbortSignal) => unknown, loading?: string): void {
    if (this.closed) return
    const tasks = (this.#tasks ??= new Tasks(this.#core.stats, (task, result, error) => this.enqueue(this.#taskDone, { name: task, result, error })))
    this.cancelAsync(name)
    // @loading of a @background task: on while it runs (cancelling the run it replaces turned it off)
    if (loading !== undefined) (this.view as any)[loading] = true
    tasks.start(name, fn)
  }

  cancelAsync (name: string): boolean {
    if (this.#tasks?.cancel(name) !== true) return false
    // A cancelled @background task never reaches #taskDone: turn its @loading off here.
    const loading = this.#backgroundLoading(name)
    if (loading !== undefined && !this.closed) (this.view as any)[loading] = false
    return true
  }

  #backgroundLoading (name: string): string | undefined {
    const entry = this.#info.table.handlers.get(name)
    return entry?.background === true ? entry.loading : undefined
  }

  async #taskDone ({ name, result, error }: { name: string, result: unknown, error: unknown }): Promise<void> {
    if (this.closed) return
    const loading = this.#backgroundLoading(name)
    if (loading !== undefined) (this.view as any)[loading] = false
    // A @background handler's changes land while other events run, so they are not compared: its end drops every cached result.
    if (this.#info.table.handlers.get(name)?.background === true) this.#snapshots?.invalidate()
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

  // ---- publish/subscribe and presence (lib/channels.ts) --------------------

  #channelsOf (): Channels {
    return (this.#channels ??= new Channels(this, this.#core.engines))
  }

  subscribe (topic: string): void { this.#channelsOf().subscribe(topic) }
  unsubscribe (topic: string): void { this.#channels?.unsubscribe(topic) }
  track (topic: string, key: string, meta: Record<string, unknown>): Promise<void> { return this.#channelsOf().track(topic, key, meta) }
  untrack (topic: string): Promise<void> { return this.#channels?.untrack(topic) ?? Promise.resolve() }

  publish (topic: string, message: unknown, exceptSelf: boolean): Promise<void> {
    return this.#core.engines.pubsub.publish(topic, message, exceptSelf ? this.#channels?.listener : undefined)
  }

  onMessage (topic: string, message: unknown): void { this.#toInbox({ topic, message }) }
  onPresence (topic: string, list: Metas, diff: PresenceDiff): void { this.#toInbox({ topic, list, diff }) }

  failed (err: unknown, what: string): void {
    this.log.warn({ err, view: this.#info.name }, `fastify-live: ${this.#info.name} ${what} failed`)
  }

  /**
   * Messages run in the view's order, behind what is already queued. Those
   * that arrive while their job still waits (the view is busy) join it: they
   * are all handled, then rendered once.
   */
  #toInbox (item: Inbound): void {
    if (this.closed) return
    const inbox = this.#inbox
    if (inbox !== null && this.#queue.accepted === this.#inboxAt) {
      if (inbox.length >= MAX_INBOX) {
        inbox.shift()
        if (!this.#inboxOverflowed) this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name} receives messages faster than it handles them; more than ${MAX_INBOX} were waiting, the oldest are dropped`)
        this.#inboxOverflowed = true
      }
      inbox.push(item)
      return
    }
    const batch = [item]
    this.#inbox = batch
    this.enqueue(this.#inboxJob, batch)
    // An idle queue ran the job already; a busy one keeps it last until something else is queued.
    if (this.#inbox === batch) this.#inboxAt = this.#queue.accepted
  }

  #inboxJob (batch: Inbound[]): Promise<void> | undefined {
    if (this.#inbox === batch) this.#inbox = null
    if (this.closed) return undefined
    for (let k = 0; k < batch.length; k++) {
      const pending = this.#handleInbound(batch[k]!)
      if (pending !== undefined) return this.#inboxRest(pending, batch, k + 1)
    }
    broadcasting = true
    this.#onlyMessage = batch.length === 1 && 'message' in batch[0]! ? batch[0].message : NO_MESSAGE
    try {
      return this.#patch()
    } finally {
      broadcasting = false
      this.#onlyMessage = NO_MESSAGE
    }
  }

  async #inboxRest (pending: Promise<void>, batch: Inbound[], from: number): Promise<void> {
    await pending
    for (let k = from; k < batch.length && !this.closed; k++) await this.#handleInbound(batch[k]!)
    if (!this.closed) await this.#patch()
  }

  /** One message or presence change; a promise only when the view's hook returned one. Errors are the view's, like a handler's. */
  #handleInbound (item: Inbound): Promise<void> | undefined {
    const hook = 'message' in item ? 'handleInfo' : 'handlePresence'
    const fail = (err: unknown): void => {
      this.log.error({ err, view: this.#info.name, topic: item.topic }, `fastify-live: ${hook} threw`)
      this.#error('handler_error', `${this.#info.name}.${hook}("${item.topic}") threw: ${errorMessage(err)}`, { handler: hook })
    }
    try {
      const result = 'message' in item
        ? this.view.handleInfo?.(item.topic, item.message)
        : this.view.handlePresence?.(item.topic, item.list, item.diff)
      if (isThenable(result)) return Promise.resolve(result).then(undefined, fail)
    } catch (err) {
      fail(err)
    }
    return undefined
  }

  /** End the session: drop its queue, cancel tasks, abort its signal, never render again. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.#queue.close()
    for (const name of this.#tasks?.names() ?? []) this.#tasks!.cancel(name)
    this.#life?.abort(new Error('the view was closed'))
    this.#snapshots?.clear()
    this.#snapshots = undefined
    this.#before = undefined
    this.#renders = null
    this.#channels?.close()
    this.#uploads?.close()
    this.#inbox = null
    this.#pushed = null
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
    if (html === before) {
      streamsOf(this.view)?.repeated()
      return false
    }
    const shared = broadcasting && memo !== null && memo.html === html ? memo : null
    if (shared !== null && shared.before === before) {
      // Another view of the broadcast made this change from the same HTML:
      // its delta is this one's, and its HTML is held once for all of them.
      this.#last.share(html)
      this.#change = shared.change
    } else {
      // Kept as the JSON it is sent as: a fresh string, where the delta's
      // slices would keep the whole render alive. A delta always applies to
      // the render just before it (`v - 1`).
      this.#change = changeMembers(html, this.#last.next(html, before))
      if (shared !== null && shared.before === null) {
        shared.before = before
        shared.change = this.#change
      }
    }
    this.version++
    return true
  }

  /** Render and, when the HTML changed, send it unasked. */
  #patch (): Promise<void> | undefined {
    const changed = this.#render()
    if (typeof changed !== 'boolean') return changed.then((c) => { if (c) this.#sendPatch() })
    if (changed) this.#sendPatch()
    return undefined
  }

  /** Send the last render, unasked (no ref); held back while the socket is backed up. */
  #sendPatch (): void {
    const change = this.#takeChange()
    if (this.out?.backedUp === true) return this.#stale()
    this.#sendText(patchFrame(this.id, this.version, change + this.#keepMembers() + this.#pushedMembers() + this.#navMembers()))
  }

  /** The last render is held back: the browser gets a full one when the socket drains, with the stream items of this one. */
  #stale (): void {
    streamsOf(this.view)?.unsent()
    this.out!.markStale(this)
  }

  /** The last render's change, once: a full render's JSON is not kept beside the render itself. */
  #takeChange (): string {
    const change = this.#change
    this.#change = ''
    return change
  }

  /** `live.embed()` in a template (lib/embeds.ts). */
  embed (name: string, props?: Record<string, unknown>): Html {
    return this.#embedsOf().marker(name, props)
  }

  get scripts (): Html { return safe(this.#core.scripts) }

  #embedsOf (): Embeds<Session> {
    return (this.#embeds ??= new Embeds(this.#info.name, new Set(this.#info.embeds.keys())))
  }

  /** The inner HTML; a promise only when the template embeds views. */
  #renderInner (): string | Promise<string> {
    const context = publicState(this.view)
    if (this.#info.uploads.size > 0) context.uploads = this.#uploadsOf().context()
    // a render with validation messages is this view's alone
    if (broadcasting && this.#embeds === undefined && this.#errors === null && this.#info.View.streams === undefined) return this.#renderShared(context)
    this.#alike = null
    return this.#renderOwn(context)
  }

  /**
   * During a broadcast, views of one template whose states are equal render
   * once: the first renders, the others reuse its HTML (and, when they held
   * the same HTML before, its delta). The memo lives until the fan-out's
   * synchronous loop ends.
   */
  #renderShared (context: Record<string, unknown>): string | Promise<string> {
    // A pure view known equal to the one that rendered the memo before this message, that handled only this message since, is equal now (static pureHandleInfo).
    // Not while a task runs: it may change the state between messages. (Upload progress, which changes between
    // renders too, is never shared: every upload entry has a ref of its own, so no two views with entries are equal.)
    const alike = this.#info.pureHandleInfo && this.#onlyMessage !== NO_MESSAGE && (this.#tasks === undefined || this.#tasks.size === 0) ? this.#alike : null
    this.#alike = null
    if (memo !== null && memo.info === this.#info &&
      ((alike !== null && alike === memo.from && this.#onlyMessage === memo.message) || sameData(context, memo.state))) {
      if (this.#info.pureHandleInfo) this.#alike = memo.token
      return memo.html
    }
    // A copy, taken before rendering: what the HTML was rendered from, even if shared objects change later in the fan-out.
    const state = copyData(context)
    if (state === NOT_DATA) return this.#renderOwn(context)
    const html = this.#renderOwn(context)
    if (typeof html !== 'string' || this.#embeds !== undefined) return html
    if (memo === null) queueMicrotask(() => { memo = null })
    memo = { info: this.#info, state, html, before: null, change: '', token: {}, from: alike, message: this.#onlyMessage }
    if (this.#info.pureHandleInfo) this.#alike = memo.token
    return html
  }

  #renderOwn (context: Record<string, unknown>): string | Promise<string> {
    this.#core.stats.renders++
    context.live = helpers
    const embeds = this.#embeds
    embeds?.begin()
    // the template sees only the stream items added since the last render (lib/streams.ts)
    const streams = streamsOf(this.view)
    if (streams !== undefined) context.streams = streams.take()
    let html = renderWith(this, () => this.#info.template.render(context))
    if (streams !== undefined) html = streams.mark(html)
    const calls = (embeds ?? this.#embeds)?.end() ?? null
    return calls === null ? html : this.#embeds!.fill(this, html, calls)
  }

  /** Sessions this one mounted for its embeds (for the HTTP handoff). */
  get children (): readonly Session[] { return this.#embeds?.children ?? [] }

  async mountEmbed (name: string, props: Record<string, unknown>, id: string): Promise<{ child: Session, html: string }> {
    const init = this.#where
    const child = await Session.mount(this.#core, this.#info.embeds.get(name)!, {
      routeKey: init.routeKey, chain: [...init.chain, name], params: init.params, query: init.query, props, request: this.request, id,
    })
    const html = await child.renderRoot()
    // Its own join takes it from here, whether this render is an HTTP page, a remount on join or a re-render.
    if (this.out === null) child.fromHttp = true
    this.#core.handoff.keep(child)
    return { child, html }
  }

  joined (id: string): Session | undefined {
    return this.out?.session(id)
  }

  // ---- @cache snapshots ----------------------------------------------------

  /**
   * After a handler: its changes drop the cached results they make stale
   * (here and, with the next reply's `keep`, in the browser); a `@cache`
   * handler that succeeded keeps what it changed for hits on the same call.
   * Returns the new snapshot's id.
   */
  #afterHandler (entry: HandlerEntry, params: Record<string, unknown>, ok: boolean): string | undefined {
    const before = this.#before
    this.#before = undefined
    const budget = this.out?.snapshotBudget
    if (before === undefined || budget === undefined) return undefined
    const changes = changesSince(before, publicState(this.view), entry.loading)
    const snapshots = (this.#snapshots ??= new Snapshots(budget))
    snapshots.changed(changes)
    if (!ok || entry.cache === undefined) return undefined
    const taken = snapshots.take(cacheKey(entry, params), changes, this.html, entry.cache.ttl)
    if (taken === null) {
      this.log.debug({ view: this.#info.name, handler: entry.name }, 'fastify-live: a @cache result is larger than maxCacheBytes; not cached')
      return undefined
    }
    if ('problem' in taken) {
      this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name}.${entry.name}() changed state that cannot be kept for @cache (${taken.problem}); the result is not cached. Keep public properties plain JSON data`)
      return undefined
    }
    return taken.id
  }

  /**
   * A cache hit: the browser already shows the cached render. Put back what
   * that result's handler assigned (nothing else), render, and answer with
   * the render only when it differs from the cached one, so the page
   * converges in this one round trip. `false` when the snapshot is gone,
   * past its ttl or for another call: the handler runs instead.
   */
  async #hit (id: string, key: string, ref: number): Promise<boolean> {
    const restored = this.#snapshots?.restore(id, key, this.view as unknown as Record<string, unknown>)
    if (restored === undefined) return false
    this.#snapshots!.changed(restored.changes)
    await this.#render()
    const same = renderHash(this.html) === restored.html
    if (same) this.#takeChange() // a delta from the render before would not apply to the cached one
    else this.#snapshots!.rendered(id, this.html)
    this.#reply(ref, !same, { snap: id }, !same)
    return true
  }

  /** `this.invalidateCache(name?)`: drop the results of the `@cache` handler `name`, or all. */
  invalidateCache (name?: string): void {
    if (name !== undefined && this.#info.table.handlers.get(name)?.cache === undefined) {
      const cached = [...this.#info.table.handlers.values()].filter((e) => e.cache !== undefined).map((e) => e.name)
      throw new FST_LIVE_HANDLER(`${this.#info.name}.invalidateCache(${JSON.stringify(name)}): the view has no @cache handler of that name (its @cache handlers: ${cached.join(', ') || 'none'})`)
    }
    this.#snapshots?.invalidate(name)
  }

  // ---- replies -------------------------------------------------------------

  async #checkPermissions (entry: HandlerEntry, required: readonly string[], what: string): Promise<void> {
    const missing = await missingPermissions(this.#core.opts, this.request, required)
    if (missing !== null) throw new WireError('forbidden', `${what} requires ${missing}`, entry.name)
  }

  /**
   * `full`: send the whole HTML even when a delta would do (results the
   * browser caches). On a backed-up socket the answer goes without its HTML
   * (the browser sees a newer version and catches up when it drains).
   */
  #reply (ref: number, changed: boolean, extra?: Record<string, unknown>, full = false): void {
    const change = this.#takeChange()
    let members = ''
    if ((full || changed) && this.out?.backedUp === true) {
      this.#stale()
      // A result the browser would cache without its HTML is left out; upload URLs are not results, and must arrive.
      extra = extra?.up === undefined ? undefined : { up: extra.up }
    } else if (full) {
      members = `,"html":${JSON.stringify(this.html)}`
    } else if (changed) {
      members = change
    }
    if (extra !== undefined) for (const key in extra) members += `,${JSON.stringify(key)}:${JSON.stringify(extra[key])}`
    members += this.#keepMembers() + this.#pushedMembers() + this.#navMembers()
    this.#sendText(replyFrame(ref, this.id, this.version, members))
  }

  /** Cached results were dropped: the browser keeps only these (`keep`), told once. */
  #keepMembers (): string {
    const keep = this.#snapshots?.takeKeep()
    return keep === undefined ? '' : `,"keep":${JSON.stringify(keep)}`
  }

  /**
   * `this.pushEvent(name, payload)`: the event rides on the next reply or
   * patch of this view, so the browser dispatches it after applying the
   * render of the work that pushed it. Events that no frame took (pushed
   * from a timer or a task that renders nothing) go alone, in a `push`
   * frame, from a job queued behind the running one.
   */
  pushEvent (name: string, payload: unknown): void {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
      throw new FST_LIVE_HANDLER(`${this.#info.name}.pushEvent(${JSON.stringify(name)}): the name must be 1 to 64 letters, digits, "_", ".", ":" or "-" (the browser dispatches "live:<name>")`)
    }
    const problem = jsonDataProblem(payload, 'payload')
    if (problem !== undefined) throw new FST_LIVE_HANDLER(`${this.#info.name}.pushEvent("${name}"): ${problem}; send JSON data (strings, numbers, booleans, null, arrays, plain objects)`)
    if (this.out === null || this.closed) return
    const pushed = (this.#pushed ??= [])
    if (pushed.length >= MAX_PUSHED) {
      pushed.shift()
      this.log.warn({ view: this.#info.name }, `fastify-live: ${this.#info.name} pushed more than ${MAX_PUSHED} events without a frame to carry them; the oldest are dropped`)
    }
    pushed.push(JSON.stringify([name, payload ?? null]))
    // After the code that pushed: a handler's reply (or a push()'s patch) takes them first.
    if (pushed.length === 1) queueMicrotask(() => { if (this.#pushed !== null) this.enqueue(this.#pushedJob, undefined) })
  }

  #pushedJob (): undefined {
    const pushed = this.#pushed
    this.#pushed = null
    if (pushed !== null) this.#sendText(pushFrame(this.id, `[${pushed.join(',')}]`))
    return undefined
  }

  /** The waiting `pushEvent` events as a frame member (`"ev"`), once. */
  #pushedMembers (): string {
    const pushed = this.#pushed
    if (pushed === null) return ''
    this.#pushed = null
    return `,"ev":[${pushed.join(',')}]`
  }

  #error (code: WireErrorCode, detail: string, at: { ref?: number, handler?: string }): void {
    this.#sendText(errorFrame(this.#core.opts.debug, code, detail, { ...at, id: this.id }))
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

const NO_ERRORS: Readonly<Record<string, string>> = Object.freeze({})

/** Whether a session is rendering for a message (its job runs in a publish's fan-out). */
let broadcasting = false
/** The render shared by the views of one broadcast (Session#renderShared). */
let memo: SharedRender | null = null

interface SharedRender {
  info: ViewInfo
  /** A copy of the state the HTML was rendered from. */
  state: unknown
  html: string
  before: string | null
  change: string
  /** Identifies this render to the pure views that share it, for the next broadcast. */
  token: object
  /** The token the rendering view held (it was equal to that render's views), or null. */
  from: object | null
  /** The one message the rendering view handled, or NO_MESSAGE. */
  message: unknown
}

/** Session#onlyMessage when the inbox job handled more, or other, than one message. */
const NO_MESSAGE = Symbol('no single message')

/** A handler's second argument; its `signal` is made only when read. */
class HandlerEvent implements LiveEvent {
  recovering = false
  readonly #session: Session
  constructor (readonly handler: string, readonly type: string, readonly request: FastifyRequest, session: Session) {
    this.#session = session
  }

  get signal (): AbortSignal { return this.#session.lifeSignal }
}

/** `value`, or a rejection once `ms` pass without it settling (`handlerTimeout`): the view's queue moves on. */
function settleWithin (value: PromiseLike<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`it did not settle within handlerTimeout (${ms} ms); it goes on, but its view no longer waits for it`)), ms)
  })
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer))
}

function isThenable (value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as any).then === 'function'
}

/** What a `@cache` result is keyed by: the handler and the values of its key params (as validated). */
function cacheKey (entry: HandlerEntry, params: Record<string, unknown>): string {
  return entry.name + JSON.stringify(entry.cache!.keyParams.map((p) => params[p] ?? null))
}

function paramList (entry: HandlerEntry): string {
  return Array.isArray(entry.params) ? entry.params.join(', ') : Object.keys(entry.params ?? {}).join(', ')
}

export function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
