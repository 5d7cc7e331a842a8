import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { liveEvents, waitLiveEvents, wire } from '../helpers/recorder.js'
import { ClientStatePage, record } from '../fixtures/client-state-views.js'

// A page with three views: the filter publishes `filter` and `range` with
// @clientState; the list and the stats listen. After the handler, every view
// with the key in listensTo gets the property set (onClientState first) and
// re-renders; the publisher is not sent its own values back.

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/issues', ClientStatePage]])

t.beforeEach(() => {
  record.received = []
  record.mounts = {}
})

const rootOf = async (page: Page, selector: string): Promise<string> =>
  await page.$eval(selector, (el) => el.closest('[data-live-root]')!.id)

async function roots (page: Page) {
  return {
    page: await rootOf(page, '#title'),
    filter: await rootOf(page, '#filter-value'),
    list: await rootOf(page, '#list-filter'),
    stats: await rootOf(page, '#stats-filter'),
  }
}

t.test('the page has three views, one publishing and two listening', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  const ids = await roots(page)
  t.equal(new Set(Object.values(ids)).size, 4, 'the page and its three embeds each have a root')
  t.same(await page.$eval(`#${ids.list}`, (r) => JSON.parse(r.getAttribute('data-live-listens')!)), ['filter', 'range'])
  t.same(await page.$eval(`#${ids.stats}`, (r) => JSON.parse(r.getAttribute('data-live-listens')!)), ['filter'])
  t.equal(await page.$eval(`#${ids.page}`, (r) => r.getAttribute('data-live-listens')), null)
})

t.test('a @clientState handler\'s values reach both listening views, which re-render', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  const ids = await roots(page)
  t.equal(await page.textContent('#list-items'), 'Write docsFix bugShip it')
  await page.click('#pick-open')
  await page.waitForFunction(() => document.getElementById('list-filter')!.textContent === 'open' &&
    document.getElementById('stats-filter')!.textContent === 'open')
  t.equal(await page.textContent('#filter-value'), 'open', 'the publisher rendered its own change')
  t.equal(await page.textContent('#list-items'), 'Write docsShip it', 'the list filtered in onClientState')
  t.same(JSON.parse((await page.textContent('#list-range'))!), { min: 4, tags: ['open', 'x'], nested: { ok: true } }, 'an object value arrived whole')
  t.equal(await page.textContent('#stats-changes'), '1')

  const sent = (await wire(page)).filter((f) => f.dir === 'out' && f.frame.t === 'state')
  t.same(sent.map((f) => f.frame.id).sort(), [ids.list, ids.stats].sort(), 'one state frame to each listener, none to the publisher')
  t.same(sent.find((f) => f.frame.id === ids.list)!.frame.values, { filter: 'open', range: { min: 4, tags: ['open', 'x'], nested: { ok: true } } })
  t.same(sent.find((f) => f.frame.id === ids.stats)!.frame.values, { filter: 'open' }, 'only the keys the view listens to')
})

t.test('onClientState runs before the properties are set', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.click('#pick-open')
  await page.waitForFunction(() => document.getElementById('stats-changes')!.textContent === '1')
  await page.click('#pick-closed')
  await page.waitForFunction(() => document.getElementById('stats-changes')!.textContent === '2' &&
    document.getElementById('list-filter')!.textContent === 'closed')
  const byView = (view: string) => record.received.filter((r) => r.view === view).map((r) => [r.before, r.changes.filter])
  t.same(byView('list'), [['all', 'open'], ['open', 'closed']], 'the list saw the old value as its property and the new one in changes')
  t.same(byView('stats'), [['all', 'open'], ['open', 'closed']])
})

t.test('the publisher does not receive its own values back, though it listens to the key', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  const ids = await roots(page)
  await page.click('#pick-open')
  await page.click('#pick-closed')
  await page.waitForFunction(() => document.getElementById('stats-changes')!.textContent === '2')
  t.same(record.received.filter((r) => r.view === 'filter'), [], 'its onClientState never ran')
  const frames = await wire(page)
  t.notOk(frames.some((f) => f.dir === 'out' && f.frame.t === 'state' && f.frame.id === ids.filter), 'no state frame went to it')
  t.equal(frames.filter((f) => f.dir === 'out' && f.frame.t === 'event' && f.frame.id === ids.filter).length, 2, 'it sent exactly its two events')
})

t.test('a @clientState handler that throws publishes nothing', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.evaluate(() => {
    const w = window as any
    w.__got = []
    w.live.bus.subscribe('filter', (v: unknown) => w.__got.push(v))
  })
  await page.click('#pick-broken')
  await waitLiveEvents(page, 'live:error')
  t.match((await liveEvents(page, 'live:error')).map((e) => e.detail), [{ code: 'handler_error', handler: 'broken' }])
  t.equal(await page.textContent('#filter-value'), 'broken', 'the state it changed before throwing is rendered')
  t.same(await page.evaluate(() => (window as any).__got), [], 'page subscribers got nothing')
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), undefined)
  t.equal(await page.textContent('#list-filter'), 'all')
  t.notOk((await wire(page)).some((f) => f.frame.t === 'state'), 'no state frame was sent')
  t.same(record.received, [])
})
