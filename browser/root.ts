import {
  CONNECTED, DISCONNECTED, EV_CONNECTED, EV_DISCONNECTED, EV_PATCHED,
  HELD_MAX, LISTENS, OPTIMISTIC_ERROR, OPTIMISTIC_ERROR_MS, POLICIES, ROOT, TOKEN,
} from './constants.js'
import { emit } from './emit.js'
import { JsonAttr } from './json-attr.js'
import { morph, morphElement, releasing } from './morph.js'
import { begin, settle } from './pending.js'
import { type CachePolicy, ResultCache, cacheKey } from './cache.js'
import { current, publish } from './bus.js'
import type { DebouncePolicy } from './debounce.js'
import type { ThrottlePolicy } from './throttle.js'
import type { Reloader } from './reload.js'
import { recoverableForms } from './recover.js'
import { reportError } from './report.js'
import { dispatchPushed } from './hooks.js'
import { type Answer, type ErrorFrame, LOST, type Outgoing, type Params, type Patch, type Reply, type Socket, lost } from './socket.js'

export interface Policy {
  debounce?: DebouncePolicy
  throttle?: ThrottlePolicy
  cache?: CachePolicy
  optimistic?: boolean
  loading?: string
}

/** What a root is given by the registry that created it: the page's socket, and the reload guard. */
export interface RootContext { socket: Socket, reloader: Reloader }

const enum Phase { Idle, Joining, Joined, Refused, Left }

/** What live navigation does with a frame's `nav`, `token` and `title` (browser/navigation.ts sets it). */
let navigated: (root: LiveRoot, a: Reply | Patch) => void = () => {}
export function onNavigated (fn: typeof navigated): void { navigated = fn }
const NONE: Policy = {}

/** One live view on the page: its join, version, cache and replies. */
export class LiveRoot {
  readonly el: Element
  readonly id: string
  /** the server render the page shows (undefined before the first join) */
  version: number | undefined
  private context: RootContext
  private phase = Phase.Idle
  private joinCount = 0
  private joining: Promise<unknown> = Promise.resolve()
  private rendering = false
  /** pushed events waiting for the full render asked for (at most HELD_MAX) */
  private held: Array<[string, unknown]> = []
  private fresh: boolean
  private cache = new ResultCache()
  private optimisticErrorTimer = 0
  private policies: JsonAttr<Record<string, Policy>>
  private listening: JsonAttr<string[]>

  constructor (el: Element, context: RootContext, fresh: boolean) {
    this.el = el
    this.id = el.id
    this.context = context
    // a root that appears after a morph may be an empty shell (an embed the page never showed)
    this.fresh = fresh
    this.policies = new JsonAttr(el, POLICIES, {})
    this.listening = new JsonAttr(el, LISTENS, [])
    el.classList.add(DISCONNECTED)
  }

  policy (handler: string): Policy { return this.policies.get()[handler] ?? NONE }
  listens (): string[] { return this.listening.get() }

  join (): void {
    if (this.phase === Phase.Refused || this.phase === Phase.Left) return
    this.phase = Phase.Joining
    this.joining = this.context.socket.call({ t: 'join', id: this.id, token: this.el.getAttribute(TOKEN) }).then((a) => this.onJoin(a))
  }

  private async onJoin (a: Answer): Promise<void> {
    // A rejoin that mounted the view anew: nothing was parked, so the page's forms are sent back first
    if (this.phase === Phase.Joining && a.t === 'reply' && a.fresh === true && this.joinCount > 0) a = await this.recover(a)
    if (this.phase !== Phase.Joining) {
      // removed while joining: the server has it now, so tell it
      if (this.phase === Phase.Left && a.t === 'reply') void this.context.socket.call({ t: 'leave', id: this.id })
      return
    }
    if (a.t === 'error') {
      const refused = a.code === 'join_refused'
      this.phase = refused ? Phase.Refused : Phase.Idle
      // A token this server accepted before (or one it calls stale) is refused
      // after a reconnect: the server restarted with a new secret, or the
      // token expired. Only a fresh render can join: reload, once.
      if (refused && (a.stale === true || this.joinCount > 0) && this.context.reloader.refused()) return
      if (a.code !== LOST) this.fail(a)
      return
    }
    this.phase = Phase.Joined
    this.context.socket.healthy()
    this.context.reloader.joined()
    // a remount (html) or a reconnect invalidates the server's snapshots
    const rejoin = this.joinCount++ > 0
    if (a.html !== undefined || rejoin) this.cache.clear()
    this.apply(a, true)
    if (a.html === undefined && this.fresh && !this.el.hasChildNodes()) this.render()
    this.fresh = false
    this.el.classList.remove(DISCONNECTED)
    this.el.classList.add(CONNECTED)
    emit(this.el, EV_CONNECTED)
    const values = current(this.listens())
    if (values) this.sendState(values)
  }

  /**
   * Form recovery: one `recover` frame for all the root's forms, answered by
   * one full render, shown instead of the join's. Refused (too large, busy),
   * the join's render is shown and the refusal reported; a handler that threw
   * is reported by its own error frame. Neither joins again: no loop.
   */
  private async recover (joined: Reply): Promise<Answer> {
    const forms = recoverableForms(this.el)
    if (forms.length === 0) return joined
    const a = await this.context.socket.call({ t: 'recover', id: this.id, forms })
    if (a.t === 'reply') return a
    if (a.code !== LOST) reportError(this.el, { code: a.code, message: a.message, handler: a.handler ?? null })
    return a.code === LOST ? a : joined
  }

  disconnected (): void {
    const was = this.phase === Phase.Joined
    if (this.phase !== Phase.Refused && this.phase !== Phase.Left) this.phase = Phase.Idle
    this.el.classList.remove(CONNECTED)
    this.el.classList.add(DISCONNECTED)
    if (was) emit(this.el, EV_DISCONNECTED)
  }

  /** The root left the page: tell the server, and never send for it again. */
  leave (): void {
    const was = this.phase === Phase.Joined
    this.phase = Phase.Left
    clearTimeout(this.optimisticErrorTimer)
    if (was) void this.context.socket.call({ t: 'leave', id: this.id })
  }

  /** Send an event: cache lookup, in-flight marks, the call, then settle and apply. */
  async event (el: Element, handler: string, type: string, params: Params): Promise<void> {
    if (this.phase === Phase.Left) return
    const policy = this.policy(handler)
    const key = policy.cache ? cacheKey(handler, policy.cache, params) : undefined
    const hit = key !== undefined ? this.cache.get(key, policy.cache!) : undefined
    const flight = begin(el, !!policy.optimistic && !hit)
    if (hit) this.show(hit.html, true)
    const a = await this.send({ t: 'event', id: this.id, h: handler, p: params, type, ...(hit && { hit: hit.snap }) })
    settle(flight, a.t === 'reply' || a.code === LOST)
    if (a.t === 'error') {
      if (key !== undefined) this.cache.delete(key)
      if (a.code === LOST) return
      if (flight.optimistic.length) this.flagOptimisticError()
      this.fail(a, handler)
      return
    }
    this.cache.keep(a.keep)
    // The hit's snap echoed back: the server restored it; the page shows its
    // html, or the server's render when that differs (the entry takes it).
    // Another snap: the snapshot was gone (or past ttl) and the handler ran.
    const restored = hit !== undefined && a.snap === hit.snap
    if (hit && !restored && a.html === undefined) {
      this.render()
      if (a.ev) this.deliver(a.ev)
    }
    else if (type === 'submit') releasing(el as HTMLFormElement, () => this.apply(a, restored))
    else this.apply(a, restored)
    // errors never reach here, so they are never cached
    if (key !== undefined && a.snap !== undefined && (a.html !== undefined || !hit)) {
      this.cache.put(key, a.html ?? this.el.innerHTML, a.snap, restored ? hit.at : undefined)
    }
    if (a.cs) publish(a.cs, this)
  }

  /** Files chosen or dropped (browser/uploads.ts): the server validates and shows them; answers with the upload URLs of the valid ones. */
  async upload (name: string, files: Params[]): Promise<Array<[number, string, string]>> {
    const a = await this.send({ t: 'upload', id: this.id, name, files })
    this.onAnswer(a)
    return a.t === 'reply' ? a.up ?? [] : []
  }

  /** Client-state values for keys this view listens to. */
  sendState (values: Params): void {
    // not joined: the join sends the bus's current values anyway
    if (this.phase !== Phase.Joined) return
    void this.send({ t: 'state', id: this.id, values }).then((a) => this.onAnswer(a))
  }

  /** Ask for a full render after a missed patch. */
  render (): void {
    if (this.rendering) return
    this.rendering = true
    void this.send({ t: 'render', id: this.id }).then((a) => {
      this.rendering = false
      // trusted: a render answer never asks for another render
      this.onAnswer(a, true)
      const held = this.held
      this.held = []
      if (held.length) this.pushed(held)
    })
  }

  patch (f: Patch): void {
    this.cache.keep(f.keep)
    this.apply(f, true)
  }

  error (f: ErrorFrame): void { this.fail(f) }

  /** Events the view pushed (`this.pushEvent`), dispatched on the root. */
  pushed (ev: Array<[string, unknown]>): void { dispatchPushed(this.el, ev) }

  /** Pushed events of a frame just applied: held while a full render is on its way, so they follow the render they came with. */
  private deliver (ev: Array<[string, unknown]>): void {
    if (this.rendering) {
      this.held.push(...ev)
      if (this.held.length > HELD_MAX) this.held.splice(0, this.held.length - HELD_MAX)
    } else this.pushed(ev)
  }

  private onAnswer (a: Answer, trusted = false): void {
    if (a.t === 'reply') this.cache.keep(a.keep)
    if (a.t === 'reply') this.apply(a, trusted)
    else if (a.code !== LOST) this.fail(a)
  }

  // Events wait for a join in progress; with no session they are dropped.
  private async send (frame: Outgoing): Promise<Answer> {
    if (this.phase === Phase.Joining) await this.joining
    return this.phase === Phase.Joined ? this.context.socket.call(frame) : lost
  }

  /**
   * Versions: html is a full render and always applies. A bare ack carries the
   * server's version; a mismatch means a missed patch. `trusted` bare acks
   * (join, render, a restored cache hit) set the version instead: the page
   * already shows that render.
   */
  private apply (a: Reply | Patch, trusted: boolean): void {
    this.applyRender(a, trusted)
    // after the render they came with (hooks it mounted included)
    if (a.ev) this.deliver(a.ev)
    if (a.nav || a.token || a.title !== undefined) navigated(this, a)
  }

  /** A frame of live navigation for this view (`params`, `navigate`); a reply with a render applies like an event's. Errors are the caller's. */
  async navigation (frame: Outgoing): Promise<Answer> {
    const a = await this.send(frame)
    if (a.t === 'reply' && a.root === undefined) {
      this.cache.keep(a.keep)
      this.apply(a, false)
    }
    return a
  }

  private applyRender (a: Reply | Patch, trusted: boolean): void {
    if (a.html !== undefined) {
      this.version = a.v
      this.show(a.html, false)
    } else if (a.d !== undefined) {
      // a delta applies only to the render it was made against, and only to
      // an element of this view (not of a nested one) whose id is unique:
      // the server leaves that check to the page, where it is a hash lookup
      const [id] = a.d
      const el = a.v - 1 === this.version ? document.getElementById(id) : null
      if (el === null || el.parentElement?.closest(`[${ROOT}]`) !== this.el || document.querySelectorAll(`#${CSS.escape(id)}`).length > 1) return this.render()
      this.version = a.v
      morphElement(el, a.d[1])
      emit(this.el, EV_PATCHED, { v: this.version, cached: false })
    } else if (trusted) {
      this.version = a.v
    } else if (a.v !== this.version) {
      this.render()
    }
  }

  private show (html: string, cached: boolean): void {
    morph(this.el, html)
    emit(this.el, EV_PATCHED, { v: this.version, cached })
  }

  private fail (a: ErrorFrame, handler?: string): void {
    // the server lost this view (e.g. it restarted under the same socket): join again
    if (a.code === 'unknown_view' && this.phase === Phase.Joined) this.join()
    reportError(this.el, { code: a.code, message: a.message, handler: a.handler ?? handler ?? null })
  }

  private flagOptimisticError (): void {
    this.el.classList.add(OPTIMISTIC_ERROR)
    clearTimeout(this.optimisticErrorTimer)
    this.optimisticErrorTimer = setTimeout(() => this.el.classList.remove(OPTIMISTIC_ERROR), OPTIMISTIC_ERROR_MS)
  }
}
