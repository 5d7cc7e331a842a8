import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'
import { deferred } from '../helpers/deferred.js'
import { OptimisticView, record } from '../fixtures/optimistic-views.js'
import { installProbes, snap } from '../helpers/ui-optimistic.js'

// While an @optimistic call is in flight its change survives every morph (the
// @loading patch, the replies of other calls); when it succeeds, the server's
// render is what the page shows. Two calls in flight on different elements
// never undo each other.

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/opt', OptimisticView]])

t.beforeEach(() => {
  record.calls = []
  record.gates = {}
})

const shows = async (page: Page, id: string, text: string) =>
  await page.waitForFunction(([id, text]) => document.getElementById(id!)!.textContent === text, [id, text])

/** The view's page with its wire recorded and the optimistic probes in place. */
async function open (t: Parameters<typeof openChromiumPage>[0]): Promise<Page> {
  const page = await openChromiumPage(t, browser, `${url}/opt`)
  await installProbes(page)
  return page
}

/** Holds the handler's calls for `a` and `b` until the test opens each gate. */
function holdAandB (): { a: ReturnType<typeof deferred<void>>, b: ReturnType<typeof deferred<void>> } {
  const a = deferred()
  const b = deferred()
  record.gates = { a: a.promise, b: b.promise }
  return { a, b }
}

/** The details of the live:error events so far. */
const errors = async (page: Page) => (await liveEvents(page, 'live:error')).map((e) => e.detail)

t.test('the change lasts through the loading patch, then the server\'s render replaces it', async (t) => {
  const page = await open(t)
  const held = deferred()
  record.gates = { '': held.promise }
  await page.click('#count')
  await page.click('#add')
  await shows(page, 'busy', 'true')
  t.match(await snap(page, 'count'), { html: '…', attrs: { 'data-n': 'pending' } }, 'kept through the @loading patch')
  t.same((await snap(page, 'add')).classes, ['done', 'item'])

  held.resolve()
  await shows(page, 'n', '2')
  t.match(await snap(page, 'count'), { html: 'Count 2', attrs: { 'data-n': '2' } }, 'the server\'s text and attribute')
  t.same((await snap(page, 'add')).classes, ['item'], 'the server did not render the predicted class, so it is gone')
  t.notOk(await page.$eval('[data-live-root]', (r) => r.classList.contains('live-optimistic-error')))
})

t.test('two calls in flight on different elements: the first reply keeps the second\'s change', async (t) => {
  const page = await open(t)
  const { a, b } = holdAandB()
  await page.click('#a')
  await page.click('#b')
  t.match(await snap(page, 'a'), { classes: ['on', 'pair'], html: 'A…' })
  t.match(await snap(page, 'b'), { classes: ['on', 'pair'], html: 'B…' })

  a.resolve()
  await shows(page, 'a-state', 'done')
  t.match(await snap(page, 'a'), { classes: ['pair'], html: 'A done' }, 'a shows the server\'s render')
  t.match(await snap(page, 'b'), { classes: ['on', 'pair'], html: 'B…' }, 'b keeps its change through a\'s reply')

  b.resolve()
  await shows(page, 'b-state', 'done')
  t.match(await snap(page, 'b'), { classes: ['pair'], html: 'B done' })
  t.match(await snap(page, 'a'), { classes: ['pair'], html: 'A done' })
  t.same(record.calls.map((c) => c.params), [{ which: 'a' }, { which: 'b' }])
})

t.test('two calls in flight: the first one\'s error undoes only its own change', async (t) => {
  const page = await open(t)
  await forgetRecorded(page)
  const { a, b } = holdAandB()
  await page.click('#a-fails')
  await page.click('#b')
  t.match(await snap(page, 'a-fails'), { classes: ['on', 'pair'], html: 'A…' })

  a.resolve()
  await page.waitForFunction(() => (window as any).__live.events.filter((e: { name: string }) => e.name === 'live:error').length === 1)
  t.match(await snap(page, 'a-fails'), { classes: ['pair'], html: 'A ' }, 'a is undone')
  t.match(await snap(page, 'b'), { classes: ['on', 'pair'], html: 'B…' }, 'b is not')
  t.ok(await page.$eval('[data-live-root]', (r) => r.classList.contains('live-optimistic-error')))

  b.resolve()
  await shows(page, 'b-state', 'done')
  t.match(await snap(page, 'b'), { classes: ['pair'], html: 'B done' })
  t.match(await errors(page), [{ code: 'handler_error', handler: 'act' }])
})

t.test('two calls in flight: the second one\'s error does not undo the first one\'s result', async (t) => {
  const page = await open(t)
  await forgetRecorded(page)
  const { a, b } = holdAandB()
  await page.click('#b')
  await page.click('#a-fails')
  b.resolve()
  await shows(page, 'b-state', 'done')
  t.match(await snap(page, 'b'), { classes: ['pair'], html: 'B done' })
  t.match(await snap(page, 'a-fails'), { classes: ['on', 'pair'], html: 'A…' }, 'still in flight, still changed')

  a.resolve()
  await page.waitForFunction(() => (window as any).__live.events.filter((e: { name: string }) => e.name === 'live:error').length === 1)
  t.match(await snap(page, 'a-fails'), { classes: ['pair'], html: 'A ' })
  t.match(await snap(page, 'b'), { classes: ['pair'], html: 'B done' }, 'b keeps the server\'s render')
})

t.test('a call that succeeds without changing the render leaves the element as the server renders it', async (t) => {
  const page = await open(t)
  await page.click('#still')
  await page.waitForFunction(() => !document.getElementById('still')!.classList.contains('live-pending'))
  t.same(record.calls.map((c) => c.handler), ['still'], 'the handler ran')
  t.match(await snap(page, 'still'), { classes: ['item'], html: 'Still <b>here</b>' }, 'the predicted class and text are gone: the server did not render them')
  t.notOk(await page.$eval('[data-live-root]', (r) => r.classList.contains('live-optimistic-error')), 'not an error')
})
