import type { Browser, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import type { LiveOptions, LiveRouteOptions, LiveViewClass } from '../../lib/index.js'
import { buildApp } from './app.js'
import { connectOrLaunch } from './chromium.js'

interface Tap { teardown (fn: () => unknown): void, before? (fn: () => unknown): void }

/**
 * The run's shared Chromium (see chromium.ts), or one of this file's own
 * when the file runs without tap's `before` script; disconnected (or
 * closed) with the test. Each page gets its own BrowserContext (openPage).
 */
export async function launchBrowser (t: Tap): Promise<Browser> {
  const browser = await connectOrLaunch()
  t.teardown(() => browser.close())
  return browser
}

/** A real server on 127.0.0.1 with the given live routes; closed with the test. */
export async function serve (t: Tap, routes: Array<[string, LiveViewClass, LiveRouteOptions?]>, options: LiveOptions = {}): Promise<{ app: FastifyInstance, url: string }> {
  const app = await buildApp(t, routes, options)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}` }
}

/**
 * A new page (own context) at `url`, waiting until every live root has
 * joined. Page errors fail loudly instead of passing silently. `init` runs
 * in the page before any of its scripts (the recording helpers use it).
 */
export async function openPage (t: Tap, browser: Browser, url: string, init?: () => void): Promise<Page> {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (err) => { throw err })
  if (init !== undefined) await page.addInitScript(init)
  await page.goto(url)
  await waitConnected(page)
  return page
}

/** Every live root on the page is joined. */
export async function waitConnected (page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const roots = document.querySelectorAll('[data-live-root]')
    return roots.length > 0 && Array.from(roots).every((r) => r.classList.contains('live-connected'))
  })
}

/** Start collecting `live:*` DOM events into `window.__liveEvents`. */
export async function recordLiveEvents (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any
    w.__liveEvents = []
    for (const name of ['live:connected', 'live:disconnected', 'live:patched', 'live:error']) {
      document.addEventListener(name, (e) => w.__liveEvents.push({ name, id: (e.target as Element).id, detail: (e as CustomEvent).detail }), true)
    }
  })
}

export async function liveEvents (page: Page, name?: string): Promise<Array<{ name: string, id: string, detail: any }>> {
  const events = await page.evaluate(() => (window as any).__liveEvents ?? [])
  return name === undefined ? events : events.filter((e: { name: string }) => e.name === name)
}
