import { debug, tap } from './debug.js'

export type Params = Record<string, unknown>

export interface Reply {
  t: 'reply', ref: number, id: string, v: number
  html?: string, cs?: Params, snap?: string
  /** @cache results the server dropped: keep only these snapshot ids */
  keep?: string[]
  /** join: the view was mounted anew (nothing handed over or parked) */
  fresh?: boolean
  /** A delta: `[elementId, outerHTML]` against version `from` */
  d?: [string, string]
  /** Events of `this.pushEvent`, dispatched after the render */
  ev?: Array<[string, unknown]>
  /** An upload frame's valid files: `[index, url, ref]` */
  up?: Array<[number, string, string]>
  /** navigate: the new view's root element */
  root?: string
}
/** Live navigation members of a reply or patch (browser/navigation.ts) */
export interface NavMembers {
  /** what a handler asked for: `this.patch`, `this.navigate`, `this.redirect` */
  nav?: { patch?: string, replace?: boolean, navigate?: string, redirect?: string, flash?: string }
  /** the mount token of the view's new URL */
  token?: string
  /** the new `document.title` (`null`: the page's own) */
  title?: string | null
}
export interface Patch { t: 'patch', id: string, v: number, html?: string, d?: [string, string], keep?: string[], ev?: Array<[string, unknown]> }
export interface Reply extends NavMembers {}
export interface Patch extends NavMembers {}
/** Events of `this.pushEvent` that no reply or patch carried */
export interface Push { t: 'push', id: string, ev: Array<[string, unknown]> }
export interface ErrorFrame {
  t: 'error', ref?: number, id?: string, code: string, message: string, handler?: string
  /** join_refused: the token itself was refused (bad signature, expired); only a fresh page can join */
  stale?: boolean
}
export type Answer = Reply | ErrorFrame
export type Outgoing = { t: string, id: string } & Params

// Local code for a call cut off by a closed socket; never emitted as live:error.
export const LOST = 'disconnected'
export const lost: ErrorFrame = { t: 'error', code: LOST, message: 'disconnected' }

export interface SocketHooks {
  open (): void
  close (): void
  frame (frame: Patch | Push | ErrorFrame): void
}

/** One WebSocket per page: refs, reply matching, reconnect with backoff. */
export class Socket {
  private url: string
  private hooks: SocketHooks
  private ws: WebSocket | undefined
  private ref = 0
  private calls = new Map<number, (a: Answer) => void>()
  private tries = 0

  constructor (url: string, hooks: SocketHooks) {
    this.url = url
    this.hooks = hooks
  }

  get open (): boolean { return this.ws?.readyState === 1 }
  get started (): boolean { return this.ws !== undefined }

  connect (): void {
    const ws = this.ws = new WebSocket(this.url)
    ws.onopen = () => this.hooks.open()
    ws.onmessage = (e) => this.receive(e.data)
    ws.onclose = () => {
      const calls = [...this.calls.values()]
      this.calls.clear()
      for (const settle of calls) settle(lost)
      this.hooks.close()
      // 250 ms doubling to 10 s, scaled by 0.5–1 so a restarted server isn't hit by every page at once
      const delay = Math.min(10000, 250 * 2 ** Math.min(this.tries++, 6)) * (0.5 + Math.random() / 2)
      setTimeout(() => this.connect(), delay)
    }
  }

  /** A join succeeded: the connection is healthy, so the next drop starts over at 250 ms. */
  healthy (): void { this.tries = 0 }

  /** Send a frame with a fresh ref; resolves with its reply or error (or LOST). */
  call (frame: Outgoing): Promise<Answer> {
    if (!this.open) return Promise.resolve(lost)
    const ref = ++this.ref
    return new Promise((resolve) => {
      this.calls.set(ref, resolve)
      // ref and id first: a server refusing a frame unread (too large, rate limited) still finds them
      const out = { ref, ...frame }
      const raw = JSON.stringify(out)
      if (debug.on) tap('out', out, raw)
      this.ws!.send(raw)
    })
  }

  private receive (raw: unknown): void {
    let frame
    try { frame = JSON.parse(raw as string) } catch { return }
    if (debug.on) tap('in', frame, raw as string)
    const settle = this.calls.get(frame.ref)
    if (settle) {
      this.calls.delete(frame.ref)
      settle(frame)
    } else {
      this.hooks.frame(frame)
    }
  }
}
