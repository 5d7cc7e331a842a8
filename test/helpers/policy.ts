import type { Browser, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { openPage } from './browser.js'

// Helpers of the policy-* browser tests (@debounce, @throttle, @cache).
// The page records what the user did and every frame the bundle sent or
// received, each with two timestamps: `at`, Date.now() (the server's clock,
// to relate "typed at" to "the server ran it at"), and `mono`,
// performance.now() (the clock page timers run on; the wall clock may be a
// millisecond or two off it, so intervals within the page use `mono`).

/**
 * Lower bounds on page-measured intervals allow this much: a send is timed
 * when its frame leaves, after the bundle's own work since it started the
 * timer (a GC pause on a loaded machine, the debug panel when it is on).
 * Broken policies miss by far more (sends tens of ms apart).
 */
export const SLACK = 15

export interface Sent { at: number, mono: number, ref: number, h: string, type: string, p: Record<string, unknown>, hit?: string }
export interface Received { at: number, mono: number, t: string, ref?: number, snap?: string, html?: string, code?: string }
export interface UserEvent { at: number, mono: number, type: string, id: string, value?: string, key?: string }

interface Tap { teardown (fn: () => unknown): void }

/** Runs in the page before its scripts. */
function recordPage (): void {
  const w = window as any
  w.__sent = []
  w.__received = []
  w.__user = []
  const Native = window.WebSocket
  const send = Native.prototype.send
  Native.prototype.send = function (this: WebSocket, data: string) {
    const f = JSON.parse(data)
    if (f.t === 'event') w.__sent.push({ at: Date.now(), mono: performance.now(), ref: f.ref, h: f.h, type: f.type, p: f.p, ...(f.hit !== undefined && { hit: f.hit }) })
    return send.call(this, data)
  }
  // A listener added in the constructor runs before the bundle's onmessage.
  w.WebSocket = class extends Native {
    constructor (url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('message', (e) => {
        const f = JSON.parse(e.data)
        w.__received.push({ at: Date.now(), mono: performance.now(), t: f.t, ref: f.ref, snap: f.snap, html: f.html, code: f.code })
      })
    }
  }
  w.__life = []
  for (const name of ['live:connected', 'live:disconnected']) {
    document.addEventListener(name, (e) => w.__life.push({ at: Date.now(), mono: performance.now(), name, id: (e.target as Element).id }), true)
  }
  // Capturing listeners run before the bundle's delegated ones.
  for (const type of ['input', 'keydown', 'keyup', 'click', 'focusout', 'submit']) {
    document.addEventListener(type, (e) => {
      const el = e.target as HTMLInputElement
      w.__user.push({ at: Date.now(), mono: performance.now(), type, id: el.id ?? '', value: el.value, key: (e as KeyboardEvent).key })
    }, true)
  }
}

/** A fresh page (own context) at `url`, recording its traffic; waits until every root is joined. */
export async function openRecordedPage (t: Tap, browser: Browser, url: string): Promise<Page> {
  return await openPage(t, browser, url, recordPage)
}

/** Event frames the page has sent so far (optionally of one handler). */
export async function sent (page: Page, h?: string): Promise<Sent[]> {
  const all: Sent[] = await page.evaluate(() => (window as any).__sent)
  return h === undefined ? all : all.filter((s) => s.h === h)
}

/** Frames the page has received so far. */
export async function received (page: Page): Promise<Received[]> {
  return await page.evaluate(() => (window as any).__received)
}

/** What the user did (input, keys, clicks, blur, submit), optionally on one element. */
export async function userEvents (page: Page, type: string, id?: string): Promise<UserEvent[]> {
  const all: UserEvent[] = await page.evaluate(() => (window as any).__user)
  return all.filter((u) => u.type === type && (id === undefined || u.id === id))
}

/** Until the page has sent `n` event frames (of handler `h`). */
export async function waitSent (page: Page, n: number, h?: string): Promise<void> {
  await page.waitForFunction(([n, h]) => (window as any).__sent.filter((s: any) => h === null || s.h === h).length >= n, [n, h ?? null] as const)
}

/** Until the answer (reply or error) to every event sent so far has arrived. */
export async function waitAnswered (page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const w = window as any
    const answered = new Set(w.__received.filter((f: any) => f.ref !== undefined).map((f: any) => f.ref))
    return w.__sent.every((s: any) => answered.has(s.ref))
  })
}

/**
 * Let `ms` pass in the page, measured from `since` (a page performance.now(),
 * a `mono`), or from now. Only for proving that nothing happens: a timer that
 * should have been dropped would have fired by then.
 */
export async function quietUntil (page: Page, ms: number, since?: number): Promise<void> {
  await page.evaluate(([ms, since]) => new Promise((resolve) => setTimeout(resolve, Math.max(0, (since ?? performance.now()) + ms - performance.now()))), [ms, since ?? null] as const)
}

/** The server drops every socket (the browser reconnects and rejoins). */
export function dropSockets (app: FastifyInstance): void {
  for (const client of app.websocketServer.clients) client.terminate()
}

/**
 * Until the page has lost its socket and every root has joined again;
 * resolves with when (page `mono`) the last root reconnected.
 */
export async function waitReconnected (page: Page): Promise<number> {
  const at = await page.waitForFunction(() => {
    const life: Array<{ mono: number, name: string }> = (window as any).__life
    const lost = life.findIndex((l) => l.name === 'live:disconnected')
    const roots = Array.from(document.querySelectorAll('[data-live-root]'))
    if (lost < 0 || !roots.every((r) => r.classList.contains('live-connected'))) return false
    return life.slice(lost).filter((l) => l.name === 'live:connected').at(-1)?.mono ?? false
  })
  return await at.jsonValue() as number
}

/** The texts of the items of a list, e.g. the log a view renders. */
export async function texts (page: Page, selector: string): Promise<string[]> {
  return await page.$$eval(selector, (els) => els.map((e) => e.textContent!))
}

/**
 * Clicks `id` and reads `selectors`' texts in the same task, before any frame
 * could arrive: what the page shows at once, without the server.
 */
export async function clickAndRead (page: Page, id: string, selectors: string[]): Promise<string[]> {
  return await page.evaluate(([id, selectors]) => {
    document.getElementById(id)!.click()
    return selectors.map((s) => document.querySelector(s)!.textContent!)
  }, [id, selectors] as const)
}

/** Clicks each element in turn, each once the answer to the one before has been applied. */
export async function clickInTurn (page: Page, ids: string[]): Promise<void> {
  await page.evaluate(async (ids) => {
    const w = window as any
    for (const id of ids) {
      const n = w.__sent.length
      document.getElementById(id)!.click()
      const ref = w.__sent[n]?.ref
      if (ref === undefined) throw new Error(`clicking #${id} sent nothing`)
      while (!w.__received.some((f: any) => f.ref === ref)) await new Promise((resolve) => setTimeout(resolve, 1))
    }
  }, ids)
}

/** The reply or error the page received for a sent event. */
export async function answerTo (page: Page, s: Sent): Promise<Received | undefined> {
  return (await received(page)).find((f) => f.ref === s.ref)
}
