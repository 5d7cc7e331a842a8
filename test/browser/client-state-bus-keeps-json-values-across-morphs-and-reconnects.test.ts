import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { closeSocket, socketCount, wire } from '../helpers/recorder.js'
import { ClientStatePage, record } from '../fixtures/client-state-views.js'

// The page's bus, `window.live.bus`: subscribe(key, fn) returns an
// unsubscribe, get(key) reads the current value; values are JSON copies, and
// they stay for the page's lifetime: through morphs (a listener that appears
// later gets them on join) and through a reconnect (remounted listeners get
// them again).

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/issues', ClientStatePage]])

t.beforeEach(() => {
  record.received = []
  record.mounts = {}
})

const listShows = async (page: Page, name: string, filter: string) =>
  await page.waitForFunction(([name, filter]) => document.getElementById(`${name}-filter`)?.textContent === filter, [name, filter])

t.test('subscribe gets each published value until its unsubscribe is called; get reads the current one', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  t.equal(await page.evaluate(() => {
    const w = window as any
    w.__got = []
    w.__off = w.live.bus.subscribe('filter', (value: unknown, key: string) => w.__got.push([key, value]))
    return typeof w.__off
  }), 'function', 'subscribe returns a function')
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), undefined, 'nothing published yet')

  await page.click('#pick-open')
  await page.waitForFunction(() => (window as any).__got.length === 1)
  t.same(await page.evaluate(() => (window as any).__got), [['filter', 'open']])
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), 'open')

  await page.evaluate(() => (window as any).__off())
  await page.click('#pick-closed')
  await listShows(page, 'list', 'closed')
  t.same(await page.evaluate(() => (window as any).__got), [['filter', 'open']], 'nothing after unsubscribing')
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), 'closed')
})

t.test('a page script can publish too: every listening view gets the value, subscribers as well', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.evaluate(() => {
    const w = window as any
    w.__got = []
    w.live.bus.subscribe('filter', (v: unknown) => w.__got.push(v))
    w.live.bus.publish('filter', 'closed')
  })
  await listShows(page, 'list', 'closed')
  await page.waitForFunction(() => document.getElementById('stats-filter')!.textContent === 'closed' &&
    document.getElementById('filter-value')!.textContent === 'closed')
  t.same(await page.evaluate(() => (window as any).__got), ['closed'])
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), 'closed')
  t.same(record.received.map((r) => r.view).sort(), ['filter', 'list', 'stats'], 'no view published it, so every listener got it')
})

t.test('values are JSON: every subscriber and every get() has its own copy', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.evaluate(() => {
    const w = window as any
    w.__seen = []
    w.live.bus.subscribe('range', (v: any) => { v.tags.push('mutated'); v.nested.ok = false })
    w.live.bus.subscribe('range', (v: unknown) => w.__seen.push(JSON.stringify(v)))
  })
  await page.click('#pick-open')
  await page.waitForFunction(() => (window as any).__seen.length === 1)
  const published = { min: 4, tags: ['open', 'x'], nested: { ok: true } }
  t.same(JSON.parse(await page.evaluate(() => (window as any).__seen[0])), published, 'the second subscriber did not see the first one\'s mutation')
  t.same(await page.evaluate(() => (window as any).live.bus.get('range')), published, 'nor does get()')
  t.ok(await page.evaluate(() => {
    const bus = (window as any).live.bus
    const a = bus.get('range')
    a.min = 99
    return a !== bus.get('range') && bus.get('range').min === 4
  }), 'get() returns a fresh copy each time')
  await listShows(page, 'list', 'open')
  t.same(JSON.parse((await page.textContent('#list-range'))!), published, 'the listening view got the value unmutated')
})

t.test('bus values survive morphs, and a listening view that appears later gets them on join', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.click('#pick-open')
  await listShows(page, 'list', 'open')

  await page.click('#rename')
  await page.waitForFunction(() => document.getElementById('title')!.textContent === 'Issues (renamed)')
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), 'open', 'the parent\'s morph left the bus alone')
  t.equal(await page.textContent('#list-filter'), 'open', 'and the embedded list\'s content')

  await page.click('#add-late')
  await listShows(page, 'late', 'open')
  t.equal(record.mounts.late, 1, 'the late list was mounted by the parent\'s re-render')
  t.match(record.received.filter((r) => r.view === 'late'), [{ changes: { filter: 'open', range: { min: 4 } }, before: 'all' }], 'it got the bus values once it joined')
  t.equal(await page.textContent('#late-items'), 'Write docsShip it')
})

t.test('bus values survive a reconnect, and the remounted listeners get them again', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/issues`)
  await page.click('#pick-open')
  await page.waitForFunction(() => document.getElementById('stats-changes')!.textContent === '1')
  t.same(record.mounts, { list: 1 })

  await closeSocket(page)
  await page.waitForFunction(() => (window as any).__live.sockets.length === 2 &&
    [...document.querySelectorAll('[data-live-root]')].every((r) => r.classList.contains('live-connected')))
  t.equal(await socketCount(page), 2)
  await listShows(page, 'list', 'open')
  await page.waitForFunction(() => document.getElementById('stats-filter')!.textContent === 'open')
  t.same(record.mounts, { list: 2 }, 'the list was mounted again on the new socket')
  t.equal(await page.evaluate(() => (window as any).live.bus.get('filter')), 'open')
  t.equal(await page.textContent('#list-items'), 'Write docsShip it')
  t.equal(await page.textContent('#filter-value'), 'open', 'the remounted publisher, which listens to its key, is given it back too')

  const frames = await wire(page)
  const list = await page.$eval('#list-filter', (el) => el.closest('[data-live-root]')!.id)
  const joins = frames.filter((f) => f.dir === 'out' && f.frame.t === 'join' && f.frame.id === list)
  t.equal(joins.length, 2, 'the list joined again')
  const after = frames.slice(frames.indexOf(joins[1]!))
  t.match(after.filter((f) => f.dir === 'out' && f.frame.t === 'state' && f.frame.id === list).map((f) => f.frame.values),
    [{ filter: 'open', range: { min: 4 } }], 'and was sent the bus values after its join')
})
