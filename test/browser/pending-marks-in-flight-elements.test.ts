import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

/** Slow calls in progress, each held until the test releases it. */
let held: Array<{ release: () => void }> = []
let entered: () => void = () => {}
let views: PendingView[] = []

/** Resolves once `n` slow calls have started on the server. */
function started (n: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => { if (held.length >= n) resolve(); else entered = check }
    check()
  })
}

function hold (): Promise<void> {
  return new Promise((resolve) => {
    held.push({ release: resolve })
    entered()
  })
}

class PendingView extends LiveView {
  static override template = 'core-pending.njk'
  done = 0
  ticks = 0

  override mount () { views.push(this) }

  @eventHandler()
  async slow () {
    await hold()
    this.done += 1
  }

  @eventHandler()
  fast () {}

  @eventHandler()
  async fail () {
    await hold()
    throw new Error('refused by the test')
  }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { held = []; views = []; entered = () => {} })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/pending', PendingView]])
  const page = await openChromiumPage(t, browser, `${url}/pending`)
  return { page, view: views.at(-1)! }
}

const marks = (page: Page, sel: string) => page.evaluate((sel) => {
  const el = document.querySelector(sel)!
  return { pending: el.classList.contains('live-pending'), busy: el.getAttribute('aria-busy') }
}, sel)

const IN_FLIGHT = { pending: true, busy: 'true' }
const SETTLED = { pending: false, busy: null }

t.test('the clicked element is live-pending and aria-busy until its reply comes', async (t) => {
  const { page } = await open(t)
  t.same(await marks(page, '#slow'), SETTLED)
  await page.click('#slow')
  await started(1)
  t.same(await marks(page, '#slow'), IN_FLIGHT, 'while the handler runs')
  t.same(await marks(page, '#fast'), SETTLED, 'other elements are not marked')
  held[0]!.release()
  await page.waitForFunction(() => document.querySelector('#done')!.textContent === '1')
  t.same(await marks(page, '#slow'), SETTLED, 'gone once the reply is applied')
  t.equal(await page.getAttribute('#slow', 'class'), 'btn', 'the element\'s own classes are untouched')
})

t.test('the marks survive a patch that re-renders the element meanwhile', async (t) => {
  const { page, view } = await open(t)
  await page.click('#slow')
  await started(1)
  // a push from the server while the event is in flight
  view.ticks = 1
  await view.push()
  await page.waitForFunction(() => document.querySelector('#slow')!.textContent === 'slow 1')
  t.same(await marks(page, '#slow'), IN_FLIGHT)
  held[0]!.release()
  await page.waitForFunction(() => document.querySelector('#done')!.textContent === '1')
  t.same(await marks(page, '#slow'), SETTLED)
})

t.test('with two events of one element in flight, the marks stay until the last reply', async (t) => {
  const { page } = await open(t)
  await page.click('#slow')
  await page.click('#slow')
  await started(1)
  held[0]!.release()
  // the second call starts only after the first finished (one queue per view)
  await started(2)
  await page.waitForFunction(() => document.querySelector('#done')!.textContent === '1')
  t.same(await marks(page, '#slow'), IN_FLIGHT, 'the second click is still in flight')
  held[1]!.release()
  await page.waitForFunction(() => document.querySelector('#done')!.textContent === '2')
  t.same(await marks(page, '#slow'), SETTLED)
})

t.test('an error reply clears the marks too', async (t) => {
  const { page } = await open(t)
  await forgetRecorded(page)
  await page.click('#fail')
  await started(1)
  t.same(await marks(page, '#fail'), IN_FLIGHT)
  held[0]!.release()
  await page.waitForFunction(() => (window as any).__live.events.some((e: { name: string }) => e.name === 'live:error'))
  t.same((await liveEvents(page, 'live:error')).map((e) => e.detail.code), ['handler_error'])
  t.same(await marks(page, '#fail'), SETTLED)
})

t.test('a submitted form is marked while its submit is in flight', async (t) => {
  const { page } = await open(t)
  await page.click('#submit')
  await started(1)
  t.same(await marks(page, '#form'), IN_FLIGHT)
  held[0]!.release()
  await page.waitForFunction(() => document.querySelector('#done')!.textContent === '1')
  t.same(await marks(page, '#form'), SETTLED)
})
