import {
  CONNECTED, DISCONNECTED, EV_CONNECTED, EV_DISCONNECTED, EV_ERROR, EV_PATCHED,
  LISTENS, OPTIMISTIC_ERROR, OPTIMISTIC_ERROR_MS, POLICIES, ROOT, TOKEN,
} from './constants.js'
import { emit } from './emit.js'
import { morph, morphElement, releasing } from './morph.js'
import { begin, settle } from './pending.js'
import { type Cache, type CachePolicy, cacheGet, cacheKeep, cacheKey, cachePut } from './cache.js'
import { current, publish, setRelay } from './bus.js'
import { type DebouncePolicy, dropDebounced } from './debounce.js'
import { type ThrottlePolicy, dropThrottled } from './throttle.js'
import { type Answer, type ErrorFrame, LOST, type Outgoing, type Params, type Patch, type Reply, Socket, lost } from './socket.js'

export interface Policy {
  debounce?: DebouncePolicy
  throttle?: ThrottlePolicy
  cache?: CachePolicy
  optimistic?: boolean
  loading?: string
}

const enum State { Idle, Joining, Joined, Refused, Left }
const NONE: Policy = {}

const roots = new Map<Element, LiveRoot>()
let socket: Socket

/** A JSON attribute parsed once, and again only when its text changes. */
class JsonAttr<T> {
  private el: Element
  private name: string
  private empty: T
  private raw: string | null = null
  private val: T
  constructor (el: Element, name: string, empty: T) {
    this.el = el
    this.name = name
    this.val = this.empty = empty
  }

  get (): T {
    const raw = this.el.getAttribute(this.name)
    if (raw !== this.raw) {
      this.raw = raw
      try { this.val = raw ? JSON.parse(raw) : this.empty } catch { this.val = this.empty }
    }
    return this.val
  }
}

/** One live view on the page: its join, version, cache and replies. */
export class LiveRoot {
  readonly el: Element
  readonly id: string
  private st = State.Idle
  private v: number | undefined
  private joins = 0
  private ready: Promise<unknown> = Promise.resolve()
  private rendering = false
  private fresh: boolean
  private cache: Cache = new Map()
  private errTimer = 0
  private pol: JsonAttr<Record<string, Policy>>
  private lis: JsonAttr<string[]>

  constructor (el: Element, fresh: boolean) {
    this.el = el
    this.id = el.id
    // a root that appears after a morph may be an empty shell (an embed the page never showed)
    this.fresh = fresh
    this.pol = new JsonAttr(el, POLICIES, {})
    this.lis = new JsonAttr(el, LISTENS, [])
    el.classList.add(DISCONNECTED)
  }

  policy (h: string): Policy { return this.pol.get()[h] ?? NONE }
  listens (): string[] { return this.lis.get() }
  get version (): number | undefined { return this.v }

  join (): void {
    if (this.st === State.Refused || this.st === State.Left) return
    this.st = State.Joining
    this.ready = socket.call({ t: 'join', id: this.id, token: this.el.getAttribute(TOKEN) }).then((a) => this.onJoin(a))
  }

  private onJoin (a: Answer): void {
    if (this.st !== State.Joining) {
      // removed while joining: the server has it now, so tell it
      if (this.st === State.Left && a.t === 'reply') void socket.call({ t: 'leave', id: this.id })
      return
    }
    if (a.t === 'error') {
      // a refused token (expired, tampered) stays refused: report it, no reload loop
      this.st = a.code === 'join_refused' ? State.Refused : State.Idle
      if (a.code !== LOST) this.fail(a)
      return
    }
    this.st = State.Joined
    socket.healthy()
    // a remount (html) or a reconnect invalidates the server's snapshots
    const rejoin = this.joins++ > 0
    if (a.html !== undefined || rejoin) this.cache.clear()
    this.apply(a, true)
    if (a.html === undefined && this.fresh && !this.el.hasChildNodes()) this.render()
    this.fresh = false
    this.el.classList.remove(DISCONNECTED)
    this.el.classList.add(CONNECTED)
    emit(this.el, EV_CONNECTED)
    const values = current(this.listens())
    if (values) this.state(values)
  }

  disconnected (): void {
    const was = this.st === State.Joined
    if (this.st !== State.Refused && this.st !== State.Left) this.st = State.Idle
    this.el.classList.remove(CONNECTED)
    this.el.classList.add(DISCONNECTED)
    if (was) emit(this.el, EV_DISCONNECTED)
  }

  leave (): void {
    const was = this.st === State.Joined
    this.st = State.Left
    roots.delete(this.el)
    clearTimeout(this.errTimer)
    if (was) void socket.call({ t: 'leave', id: this.id })
  }

  /** Send an event: cache lookup, in-flight marks, the call, then settle and apply. */
  async event (el: Element, h: string, type: string, p: Params): Promise<void> {
    if (this.st === State.Left) return
    const pol = this.policy(h)
    const key = pol.cache ? cacheKey(h, pol.cache, p) : undefined
    const hit = key !== undefined ? cacheGet(this.cache, key, pol.cache!) : undefined
    const flight = begin(el, !!pol.optimistic && !hit)
    if (hit) this.show(hit.html, true)
    const a = await this.send({ t: 'event', id: this.id, h, p, type, ...(hit && { hit: hit.snap }) })
    settle(flight, a.t === 'reply' || a.code === LOST)
    if (a.t === 'error') {
      if (key !== undefined) this.cache.delete(key)
      if (a.code === LOST) return
      if (flight.opt.length) this.flagOptimisticError()
      this.fail(a, h)
      return
    }
    cacheKeep(this.cache, a.keep)
    // The hit's snap echoed back: the server restored it; the page shows its
    // html, or the server's render when that differs (the entry takes it).
    // Another snap: the snapshot was gone (or past ttl) and the handler ran.
    const restored = hit !== undefined && a.snap === hit.snap
    if (hit && !restored && a.html === undefined) this.render()
    else if (type === 'submit') releasing(el as HTMLFormElement, () => this.apply(a, restored))
    else this.apply(a, restored)
    // errors never reach here, so they are never cached
    if (key !== undefined && a.snap !== undefined && (a.html !== undefined || !hit)) {
      cachePut(this.cache, key, { html: a.html ?? this.el.innerHTML, snap: a.snap, at: restored ? hit.at : Date.now() })
    }
    if (a.cs) publish(a.cs, this)
  }

  /** Client-state values for keys this view listens to. */
  state (values: Params): void {
    // not joined: the join sends the bus's current values anyway
    if (this.st !== State.Joined) return
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
    })
  }

  patch (f: Patch): void {
    cacheKeep(this.cache, f.keep)
    this.apply(f, true)
  }

  error (f: ErrorFrame): void { this.fail(f) }

  private onAnswer (a: Answer, trusted = false): void {
    if (a.t === 'reply') cacheKeep(this.cache, a.keep)
    if (a.t === 'reply') this.apply(a, trusted)
    else if (a.code !== LOST) this.fail(a)
  }

  // Events wait for a join in progress; with no session they are dropped.
  private async send (frame: Outgoing): Promise<Answer> {
    if (this.st === State.Joining) await this.ready
    return this.st === State.Joined ? socket.call(frame) : lost
  }

  /**
   * Versions: html is a full render and always applies. A bare ack carries the
   * server's version; a mismatch means a missed patch. `trusted` bare acks
   * (join, render, a restored cache hit) set the version instead: the page
   * already shows that render.
   */
  private apply (a: Reply | Patch, trusted: boolean): void {
    if (a.html !== undefined) {
      this.v = a.v
      this.show(a.html, false)
    } else if (a.d !== undefined) {
      // a delta applies only to the render it was made against, and only to
      // an element of this view (not of a nested one) whose id is unique:
      // the server leaves that check to the page, where it is a hash lookup
      const [id] = a.d
      const el = a.v - 1 === this.v ? document.getElementById(id) : null
      if (el === null || el.parentElement?.closest(`[${ROOT}]`) !== this.el || document.querySelectorAll(`#${CSS.escape(id)}`).length > 1) return this.render()
      this.v = a.v
      morphElement(el, a.d[1])
      emit(this.el, EV_PATCHED, { v: this.v, cached: false })
    } else if (trusted) {
      this.v = a.v
    } else if (a.v !== this.v) {
      this.render()
    }
  }

  private show (html: string, cached: boolean): void {
    morph(this.el, html)
    emit(this.el, EV_PATCHED, { v: this.v, cached })
  }

  private fail (a: ErrorFrame, handler?: string): void {
    // the server lost this view (e.g. it restarted under the same socket): join again
    if (a.code === 'unknown_view' && this.st === State.Joined) this.join()
    emit(this.el, EV_ERROR, { code: a.code, message: a.message, handler: a.handler ?? handler ?? null })
  }

  private flagOptimisticError (): void {
    this.el.classList.add(OPTIMISTIC_ERROR)
    clearTimeout(this.errTimer)
    this.errTimer = setTimeout(() => this.el.classList.remove(OPTIMISTIC_ERROR), OPTIMISTIC_ERROR_MS)
  }
}

export const rootOf = (el: Element): LiveRoot | undefined => {
  const r = el.closest(`[${ROOT}]`)
  return r ? roots.get(r) : undefined
}

export const allRoots = (): LiveRoot[] => [...roots.values()]

const byId = (id: string | undefined): LiveRoot | undefined => {
  for (const r of roots.values()) if (r.id === id) return r
}

/** Leave roots that left the DOM (or changed id), and join new ones. */
export function scan (fresh: boolean): void {
  for (const [el, r] of roots) if (!el.isConnected || el.id !== r.id) r.leave()
  for (const el of document.querySelectorAll(`[${ROOT}]`)) {
    if (roots.has(el)) continue
    const r = new LiveRoot(el, fresh)
    roots.set(el, r)
    if (socket.open) r.join()
  }
  if (roots.size && !socket.started) socket.connect()
}

export function boot (url: string): void {
  socket = new Socket(url, {
    open () { for (const r of roots.values()) r.join() },
    close () {
      // timers would send against a session that no longer exists
      dropDebounced()
      dropThrottled()
      for (const r of roots.values()) r.disconnected()
    },
    frame (f) {
      const r = byId(f.id)
      if (f.t === 'patch') r?.patch(f)
      else if (f.t === 'error') r ? r.error(f) : emit(document, EV_ERROR, { code: f.code, message: f.message, handler: f.handler ?? null })
    },
  })
  setRelay((values, from) => {
    for (const r of roots.values()) {
      if (r === from) continue
      let picked: Params | undefined
      for (const key of r.listens()) if (key in values) (picked ??= {})[key] = values[key]
      if (picked) r.state(picked)
    }
  })
  scan(false)
  // roots come and go with morphs (embedded views) and page scripts
  new MutationObserver(() => scan(true)).observe(document.documentElement, { childList: true, subtree: true })
}
