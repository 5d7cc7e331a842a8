import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler, permissionRequired } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

/** Which handlers (and plain methods) the server ran, in order. */
let ran: string[] = []

class ErrorsView extends LiveView {
  static override template = 'core-errors.njk'
  count = 0
  note = 'untouched'

  @eventHandler()
  increment () {
    ran.push('increment')
    this.count += 1
  }

  @eventHandler()
  boom () {
    ran.push('boom')
    this.note = 'changed before the throw'
    throw new Error('the database is on fire')
  }

  @eventHandler({ params: { itemId: { type: 'integer' } } })
  pick ({ itemId }: { itemId: number }) {
    ran.push('pick')
    this.note = `picked ${itemId}`
  }

  helper () {
    ran.push('helper')
    this.note = 'a plain method ran'
  }

  @eventHandler()
  @permissionRequired('items.delete')
  destroy () {
    ran.push('destroy')
    this.note = 'destroyed'
  }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { ran = [] })

async function open (t: { teardown (fn: () => unknown): void }, options = {}) {
  const { url } = await serve(t, [['/errors', ErrorsView]], { permissions: () => [], ...options })
  const page = await openChromiumPage(t, browser, `${url}/errors`)
  await forgetRecorded(page)
  return page
}

type Tap = { ok (v: unknown, msg?: string): void, equal (a: unknown, b: unknown, msg?: string): void }

/** Click, and return the one live:error that follows. */
async function errorAfterClick (t: Tap, page: Page, selector: string) {
  const before = (await liveEvents(page, 'live:error')).length
  await page.click(selector)
  await page.waitForFunction((n) => (window as any).__live.events.filter((e: { name: string }) => e.name === 'live:error').length > n, before)
  const errors = await liveEvents(page, 'live:error')
  t.equal(errors.length, before + 1, 'one error')
  return errors.at(-1)!
}

/** The page is still usable: a following click is handled and shown. */
async function stillWorks (t: Tap, page: Page) {
  const n = Number(await page.textContent('#count'))
  await page.click('#inc')
  await page.waitForFunction((n) => document.querySelector('#count')!.textContent === String(n + 1), n)
  t.equal(ran.at(-1), 'increment', 'a following click works')
}
t.test('a handler that throws: handler_error, and the state it changed before the throw is shown', async (t) => {
  const page = await open(t)
  const error = await errorAfterClick(t, page, '#boom')
  const rootId = await page.getAttribute('[data-live-root]', 'id')
  t.equal(error.id, rootId, 'dispatched on the live root')
  t.match(error.detail, { code: 'handler_error', handler: 'boom', message: /ErrorsView\.boom\(\).*the database is on fire/ }, 'in development the message names the handler and the error')
  await page.waitForFunction(() => document.querySelector('#note')!.textContent === 'changed before the throw')
  t.same(ran, ['boom'])
  await stillWorks(t, page)
  t.equal(await page.textContent('#note'), 'changed before the throw')
})

t.test('a data-* value failing the schema: invalid_params, and the handler does not run', async (t) => {
  const page = await open(t)
  const error = await errorAfterClick(t, page, '#bad')
  t.match(error.detail, { code: 'invalid_params', handler: 'pick', message: /itemId/ })
  t.same(ran, [])
  await stillWorks(t, page)
  t.equal(await page.textContent('#note'), 'untouched', 'a refused call changes nothing')
  await page.click('#good')
  await page.waitForFunction(() => document.querySelector('#note')!.textContent === 'picked 7')
  t.same(ran, ['increment', 'pick'], 'a valid value goes through')
})

t.test('a live-click naming a method that is not a handler: unknown_handler, and nothing runs', async (t) => {
  const page = await open(t)
  const first = await errorAfterClick(t, page, '#helper')
  t.match(first.detail, { code: 'unknown_handler', handler: 'helper', message: /helper/ })
  const second = await errorAfterClick(t, page, '#missing')
  t.match(second.detail, { code: 'unknown_handler', handler: 'noSuchMethod' })
  t.same(ran, [], 'the plain method never ran')
  await stillWorks(t, page)
  t.equal(await page.textContent('#note'), 'untouched')
})

t.test('@permissionRequired with nothing granted: forbidden, and the handler does not run', async (t) => {
  const page = await open(t)
  const error = await errorAfterClick(t, page, '#destroy')
  t.match(error.detail, { code: 'forbidden', handler: 'destroy', message: /items\.delete/ })
  t.same(ran, [])
  await stillWorks(t, page)
  t.equal(await page.textContent('#note'), 'untouched')
})

t.test('the same handler works once the permission is granted', async (t) => {
  const page = await open(t, { permissions: () => ['items.delete'] })
  await page.click('#destroy')
  await page.waitForFunction(() => document.querySelector('#note')!.textContent === 'destroyed')
  t.same(await liveEvents(page, 'live:error'), [])
})

t.test('without debug, messages are generic and carry nothing of the error thrown', async (t) => {
  const page = await open(t, { debug: false })
  const error = await errorAfterClick(t, page, '#boom')
  t.equal(error.detail.code, 'handler_error')
  t.equal(error.detail.handler, 'boom')
  t.notMatch(error.detail.message, /database|fire|ErrorsView|at /)
  const refused = await errorAfterClick(t, page, '#destroy')
  t.equal(refused.detail.code, 'forbidden')
  t.notMatch(refused.detail.message, /items\.delete/)
  await stillWorks(t, page)
})
