import type { Browser, Page } from 'playwright-core'
import type { FastifyInstance } from 'fastify'
import type { LiveOptions, LiveRouteOptions, LiveViewClass } from '../../lib/index.js'
import { buildApp } from './app.js'
import { connectOrLaunch } from './chromium.js'
import { recordPage } from './recorder.js'

interface Tap { teardown (fn: () => unknown): void, before? (fn: () => unknown): void }

/**
 * The run's shared Chromium (see chromium.ts), or one of this file's own
 * when the file runs without tap's `before` script; disconnected (or
 * closed) with the test. Each page gets its own BrowserContext (openChromiumPage).
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
 * A new Chromium page (own context) at `url`, recorded from its first
 * script on (recorder.ts), waiting until every live root has joined. Page
 * errors fail loudly instead of passing silently. `init` runs in the page
 * before any of its scripts, after the recorder.
 */
export async function openChromiumPage (t: Tap, browser: Browser, url: string, init?: () => void): Promise<Page> {
  const page = await blankChromiumPage(t, browser)
  if (init !== undefined) await page.addInitScript(init)
  await page.goto(url)
  await waitConnected(page)
  return page
}

/** A new Chromium page (own context, closed with the test), recorded, not yet at any URL: for pages whose roots never join. */
export async function blankChromiumPage (t: Tap, browser: Browser): Promise<Page> {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (err) => { throw err })
  await page.addInitScript(recordPage)
  return page
}

/** Every live root on the page is joined. */
export async function waitConnected (page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const roots = document.querySelectorAll('[data-live-root]')
    return roots.length > 0 && Array.from(roots).every((r) => r.classList.contains('live-connected'))
  })
}
