import type { Page } from 'playwright-core'

// The one in-page recorder of the browser tests. openChromiumPage installs it before
// any of the page's scripts, so it sees everything from the first frame on:
// every WebSocket frame sent and received (before the bundle sees it), every
// socket opened, every `live:*` DOM event, and what the user did. Each entry
// carries two timestamps: `at`, Date.now() (the server's clock, to relate
// "typed at" to "the server ran it at"), and `mono`, performance.now() (the
// clock page timers run on; the wall clock may be a millisecond or two off
// it, so intervals within the page use `mono`).

export interface Frame { t: string, ref?: number, id?: string, h?: string, p?: Record<string, unknown>, html?: string, code?: string, [key: string]: unknown }

export interface WireEntry {
  dir: 'in' | 'out'
  at: number
  mono: number
  /** the frame's size in bytes (UTF-8), as sent */
  bytes: number
  frame: Frame
}

export interface LiveEvent {
  name: string
  /** the id of the element it was dispatched on ('' for the document) */
  id: string
  detail: any
  at: number
  mono: number
  /** the target's `live-*` classes at that moment, sorted */
  classes: string[]
}

export interface UserEvent {
  at: number
  mono: number
  type: string
  id: string
  value?: string
  key?: string
  /**
   * How many frames the wire held when the page's next task began: a frame
   * whose `seq` is below it left in the same task as this event (or in one
   * of its microtasks), before any timer could fire. "Sent at once", as an
   * order rather than a number of milliseconds a loaded machine may exceed.
   */
  nextTask: number
}

export const LIVE_EVENTS = ['live:connected', 'live:disconnected', 'live:patched', 'live:error', 'live:debug'] as const

/**
 * Runs in the page before its scripts; everything goes to `window.__live`:
 * `wire`, `sockets` (the WebSocket objects), `opened` (when each was
 * created, `mono`), `closed` (when each closed, by index), `events`, `user`. A test may set `__live.onSend(frame)`
 * to look at the page the moment a frame leaves.
 */
export function recordPage (): void {
  const w = window as any
  const rec: { wire: unknown[], sockets: WebSocket[], opened: number[], closed: number[], events: unknown[], user: unknown[], onSend?: (frame: unknown) => void } =
    { wire: [], sockets: [], opened: [], closed: [], events: [], user: [] }
  w.__live = rec
  const Native = window.WebSocket
  const send = Native.prototype.send
  Native.prototype.send = function (this: WebSocket, data: string) {
    const frame = JSON.parse(data)
    rec.wire.push({ dir: 'out', at: Date.now(), mono: performance.now(), bytes: new Blob([data]).size, frame })
    rec.onSend?.(frame)
    return send.call(this, data)
  }
  // A listener added in the constructor runs before the bundle's `onmessage`.
  w.WebSocket = class extends Native {
    constructor (url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      rec.sockets.push(this)
      rec.opened.push(performance.now())
      const index = rec.sockets.length - 1
      this.addEventListener('close', () => { rec.closed[index] = performance.now() })
      this.addEventListener('message', (e) => rec.wire.push({ dir: 'in', at: Date.now(), mono: performance.now(), bytes: new Blob([e.data]).size, frame: JSON.parse(e.data) }))
    }
  }
  // Capturing listeners on the document run before the bundle's delegated ones.
  for (const name of ['live:connected', 'live:disconnected', 'live:patched', 'live:error', 'live:debug']) {
    document.addEventListener(name, (e) => {
      const target = e.target as Element | Document
      const el = target instanceof Element ? target : null
      rec.events.push({
        name, id: el?.id ?? '', detail: (e as CustomEvent).detail ?? null, at: Date.now(), mono: performance.now(),
        classes: el === null ? [] : [...el.classList].filter((c) => c.startsWith('live-')).sort(),
      })
    }, true)
  }
  for (const type of ['input', 'keydown', 'keyup', 'click', 'focusout', 'submit']) {
    document.addEventListener(type, (e) => {
      const el = e.target as HTMLInputElement
      const entry = { at: Date.now(), mono: performance.now(), type, id: el.id ?? '', value: el.value, key: (e as KeyboardEvent).key, nextTask: -1 }
      rec.user.push(entry)
      setTimeout(() => { entry.nextTask = rec.wire.length }, 0)
    }, true)
  }
}

/** Every frame sent and received so far, in order. */
export async function wire (page: Page): Promise<WireEntry[]> {
  return await page.evaluate(() => (window as any).__live.wire)
}

/** The `live:*` events so far (of one name), in order. */
export async function liveEvents (page: Page, name?: string): Promise<LiveEvent[]> {
  const events: LiveEvent[] = await page.evaluate(() => (window as any).__live.events)
  return name === undefined ? events : events.filter((e) => e.name === name)
}

/** Until the page has seen more than `n` events named `name`. */
export async function waitLiveEvents (page: Page, name: string, n = 0): Promise<void> {
  await page.waitForFunction(([name, n]) => (window as any).__live.events.filter((e: { name: string }) => e.name === name).length > n, [name, n] as const)
}

/** What the user did (input, keys, clicks, blur, submit), optionally on one element. */
export async function userEvents (page: Page, type: string, id?: string): Promise<UserEvent[]> {
  const all: UserEvent[] = await page.evaluate(() => (window as any).__live.user)
  return all.filter((u) => u.type === type && (id === undefined || u.id === id))
}

/** How many WebSockets the page has opened. */
export async function socketCount (page: Page): Promise<number> {
  return await page.evaluate(() => (window as any).__live.sockets.length)
}

/** When (page `mono`) each WebSocket was opened. */
export async function socketsOpenedAt (page: Page): Promise<number[]> {
  return await page.evaluate(() => (window as any).__live.opened)
}

/** When (page `mono`) each WebSocket closed, by the index of its opening (a hole for one still open). */
export async function socketsClosedAt (page: Page): Promise<Array<number | null>> {
  return await page.evaluate(() => Array.from((window as any).__live.closed as number[], (at) => at ?? null))
}

/** Close the page's `n`th WebSocket from the page (as a network drop would, from the browser's side). */
export async function closeSocket (page: Page, n = 0): Promise<void> {
  await page.evaluate((n) => (window as any).__live.sockets[n].close(), n)
}

/** Forget what was recorded so far (the joins), so a test counts only what follows. */
export async function forgetRecorded (page: Page): Promise<void> {
  await page.evaluate(() => {
    const rec = (window as any).__live
    rec.wire.length = rec.events.length = rec.user.length = 0
  })
}
