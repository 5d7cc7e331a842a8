import type { Browser, Page } from 'playwright-core'
import { blankChromiumPage, waitConnected } from './browser.js'

// The browser's side of an injected clock (ManualClock, clock.ts, is Node's):
// Playwright's page.clock replaces the page's Date, performance.now and
// timers before its scripts run, so the bundle's debounce and throttle timers
// (browser/clock.ts's pageClock) and the recorder's `mono` all read it.
// Frames still flow in real time. A test moves time itself and asserts a
// policy's timing exactly ("nothing at 299 ms, sent at 300"), on the page's
// clock: no wall-clock bound a loaded machine could exceed, and no waiting.

interface Tap { teardown (fn: () => unknown): void }

/**
 * A recorded Chromium page at `url` (as openChromiumPage) whose clock stands
 * still from the moment every live root has joined: page timers fire only
 * when the test calls advance().
 */
export async function openPausedPage (t: Tap, browser: Browser, url: string): Promise<Page> {
  const page = await blankChromiumPage(t, browser)
  await page.clock.install()
  await page.goto(url)
  await waitConnected(page)
  // Ahead of the page's now, which moves on until the pause lands (no page
  // timer is due in between: nothing is pending once the roots have joined);
  // on a machine so loaded that the page's now passed it meanwhile, again.
  for (;;) {
    try {
      await page.clock.pauseAt(await page.evaluate(() => Date.now()) + 1000)
      return page
    } catch (err) {
      if (!/to the past/.test(String(err))) throw err
    }
  }
}

/** Moves the page's clock on by `ms`, running each page timer that falls due, at its due time. */
export async function advance (page: Page, ms: number): Promise<void> {
  await page.clock.runFor(ms)
}

/** Types `text` into the focused element, one key every `every` ms of the page's clock (the clock ends at the last key). */
export async function typeEvery (page: Page, text: string, every: number): Promise<void> {
  for (const [k, key] of [...text].entries()) {
    if (k > 0) await advance(page, every)
    await page.keyboard.type(key)
  }
}
