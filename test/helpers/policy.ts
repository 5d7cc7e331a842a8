import type { Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import { wire } from './recorder.js'

// Helpers of the policy-* browser tests (@debounce, @throttle, @cache), read
// from the page's recording (recorder.ts): the event frames it sent, the
// frames it received, what the user did, each with `at` (server clock) and
// `mono` (page clock).

/**
 * Lower bounds on page-measured intervals allow this much: a send is timed
 * when its frame leaves, after the bundle's own work since it started the
 * timer (a GC pause on a loaded machine, the debug panel when it is on).
 * Broken policies miss by far more (sends tens of ms apart).
 */
export const SLACK = 15

/** How long clickInTurn waits for each answer (a bound, not a timing claim). */
const ANSWER_LIMIT_MS = 10_000

/** An event frame the page sent; `seq` is its place on the wire (see UserEvent.nextTask). */
export interface Sent { at: number, mono: number, seq: number, ref: number, h: string, type: string, p: Record<string, unknown>, hit?: string }
export interface Received { at: number, mono: number, t: string, ref?: number, snap?: string, html?: string, code?: string }

/** Event frames the page has sent so far (optionally of one handler). */
export async function sent (page: Page, h?: string): Promise<Sent[]> {
  const all: Sent[] = (await wire(page)).map((e, seq) => ({ ...e, seq })).filter((e) => e.dir === 'out' && e.frame.t === 'event').map(({ at, mono, seq, frame: f }) =>
    ({ at, mono, seq, ref: f.ref!, h: f.h!, type: f.type as string, p: f.p!, ...(f.hit !== undefined && { hit: f.hit as string }) }))
  return h === undefined ? all : all.filter((s) => s.h === h)
}

/** Frames the page has received so far. */
export async function received (page: Page): Promise<Received[]> {
  return (await wire(page)).filter((e) => e.dir === 'in').map(({ at, mono, frame: f }) =>
    ({ at, mono, t: f.t, ref: f.ref, snap: f.snap as string | undefined, html: f.html, code: f.code }))
}

/** Until the page has sent `n` event frames (of handler `h`). */
export async function waitSent (page: Page, n: number, h?: string): Promise<void> {
  await page.waitForFunction(([n, h]) => (window as any).__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event' && (h === null || e.frame.h === h)).length >= n, [n, h ?? null] as const)
}

/** Until the answer (reply or error) to every event sent so far has arrived. */
export async function waitAnswered (page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const wire = (window as any).__live.wire
    const answered = new Set(wire.filter((e: any) => e.dir === 'in' && e.frame.ref !== undefined).map((e: any) => e.frame.ref))
    return wire.every((e: any) => e.dir !== 'out' || e.frame.t !== 'event' || answered.has(e.frame.ref))
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
    const life: Array<{ mono: number, name: string }> = (window as any).__live.events.filter((e: { name: string }) => e.name === 'live:connected' || e.name === 'live:disconnected')
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
  await page.evaluate(async ([ids, limitMs]) => {
    const wire = (window as any).__live.wire
    const events = () => wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event')
    for (const id of ids) {
      const n = events().length
      document.getElementById(id)!.click()
      const ref = events()[n]?.frame.ref
      if (ref === undefined) throw new Error(`clicking #${id} sent nothing`)
      const start = performance.now()
      while (!wire.some((e: any) => e.dir === 'in' && e.frame.ref === ref)) {
        if (performance.now() - start > limitMs) throw new Error(`no answer to the click on #${id} (ref ${ref}) within ${limitMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    }
  }, [ids, ANSWER_LIMIT_MS] as const)
}

/** The reply or error the page received for a sent event. */
export async function answerTo (page: Page, s: Sent): Promise<Received | undefined> {
  return (await received(page)).find((f) => f.ref === s.ref)
}
