import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

/** What the server received, in order. */
let calls: Array<{ handler: string, params: Record<string, unknown> }> = []

class ClickView extends LiveView {
  static override template = 'core-clicks.njk'
  count = 0
  last = 'none'
  items = [{ id: 1, name: 'Tea' }, { id: 5, name: 'Coffee' }]

  @eventHandler()
  increment (params: Record<string, unknown>) {
    calls.push({ handler: 'increment', params })
    this.count += 1
  }

  @eventHandler({ params: { itemId: { type: 'integer' }, itemLabel: { type: 'string' }, x: { type: 'string' } } })
  pick (params: { itemId: number, itemLabel: string }) {
    calls.push({ handler: 'pick', params })
    this.last = `${params.itemLabel} #${params.itemId} (${typeof params.itemId})`
  }
}

class AddingView extends ClickView {
  static override template = 'core-clicks-adding.njk'
  @eventHandler()
  add (params: Record<string, unknown>) {
    calls.push({ handler: 'add', params })
    this.items = [...this.items, { id: 7, name: 'Juice' }]
  }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { calls = [] })

t.test('a click calls the handler and the page shows the new state', async (t) => {
  const { url } = await serve(t, [['/clicks', ClickView]])
  const page = await openChromiumPage(t, browser, `${url}/clicks`)
  await forgetRecorded(page)
  t.equal(await page.textContent('#count'), '0')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '2')
  t.same(calls, [{ handler: 'increment', params: {} }, { handler: 'increment', params: {} }], 'a click without data-* sends no params')
  const patched = await liveEvents(page, 'live:patched')
  t.equal(patched.length, 2, 'live:patched fired once per re-render')
  const rootId = await page.getAttribute('[data-live-root]', 'id')
  t.ok(patched.every((e) => e.id === rootId), 'on the live root')
})

t.test('data-* attributes arrive camelCased, and a schema coerces "5" to 5', async (t) => {
  const { url } = await serve(t, [['/clicks', ClickView]])
  const page = await openChromiumPage(t, browser, `${url}/clicks`)
  await page.click('#item-5 .pick')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'Coffee #5 (number)')
  t.same(calls, [{ handler: 'pick', params: { itemId: 5, itemLabel: 'Coffee', x: '1' } }])
  t.equal(typeof calls[0]!.params.itemId, 'number')
})

t.test('a click on a child of the bound element calls the bound element\'s handler with its data-*', async (t) => {
  const { url } = await serve(t, [['/clicks', ClickView]])
  const page = await openChromiumPage(t, browser, `${url}/clicks`)
  await page.click('#inside')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'card #3 (number)')
  t.same(calls, [{ handler: 'pick', params: { itemId: 3, itemLabel: 'card' } }])
})

t.test('a click on an unbound element sends nothing', async (t) => {
  const { url } = await serve(t, [['/clicks', ClickView]])
  const page = await openChromiumPage(t, browser, `${url}/clicks`)
  await forgetRecorded(page)
  await page.click('#plain')
  // a bound click after it: its reply comes after anything the first click could have sent
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.same(calls.map((c) => c.handler), ['increment'])
  t.equal((await liveEvents(page, 'live:patched')).length, 1)
})

t.test('elements added by a patch are bound without any wiring', async (t) => {
  const { url } = await serve(t, [['/clicks', AddingView]])
  const page = await openChromiumPage(t, browser, `${url}/clicks`)
  await page.click('#add')
  await page.waitForSelector('#item-7')
  await page.click('#item-7 .pick')
  await page.waitForFunction(() => document.querySelector('#last')!.textContent === 'Juice #7 (number)')
  t.same(calls.map((c) => c.params), [{}, { itemId: 7, itemLabel: 'Juice', x: '1' }])
})
