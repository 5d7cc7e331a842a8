import t from 'tap'
import type { Page } from 'playwright-core'
import { buildApp } from '../helpers/app.js'
import { launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { closeSocket, forgetRecorded, socketCount, wire } from '../helpers/recorder.js'
import { AdminView, ItemsView, ItemView, resetSeen, seen } from '../fixtures/nav-views.js'

// Live navigation in Chromium (API.md §9): live-patch and live-navigate
// links, this.patch / navigate / redirect, back and forward, flash, title and
// focus, all over one WebSocket. One server for the file; a page per test.

const browser = await launchBrowser(t)
// A navigation costs 9 rate-limit tokens (navigate 4, leave 1, join 4): the default bucket (200, 100/s)
// allows ~11 a second; the test of 150 navigations in a few seconds is a robot, not a user.
const rateLimit = { burst: 2000, perSecond: 1000 }
const app = await buildApp(t, [['/items', ItemsView], ['/items/:id', ItemView], ['/admin', AdminView, { permissions: 'admin.view' }]], { rateLimit }, (app) => {
  app.get('/plain', async (_request, reply) => reply.type('text/html').send('<!doctype html><title>Plain</title><p id="plain-page">a plain page</p>'))
})
await app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`

/** A page at `path`, with a mark that a page load would wipe, and the navigate events it sees. */
async function open (t: Parameters<Parameters<typeof t.test>[1]>[0], path: string): Promise<Page> {
  const page = await openChromiumPage(t, browser, base + path, () => {
    const w = window as any
    w.__nav = []
    for (const name of ['live:navigate-start', 'live:navigate-end']) {
      document.addEventListener(name, (e) => w.__nav.push([name, document.documentElement.classList.contains('live-navigating')]))
    }
  })
  await page.evaluate(() => { (window as any).__samePage = true })
  return page
}

const samePage = (page: Page): Promise<boolean> => page.evaluate(() => (window as any).__samePage === true)
const text = (page: Page, sel: string): Promise<string | null> => page.textContent(sel)
const until = (page: Page, sel: string, want: string): Promise<unknown> =>
  page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [sel, want] as const)
const sentOf = async (page: Page, type: string): Promise<number> => (await wire(page)).filter((w) => w.dir === 'out' && w.frame.t === type).length

t.beforeEach(() => resetSeen())

t.test('a live-patch link changes the URL and runs handleParams, without mounting again: one frame each way', async (t) => {
  const page = await open(t, '/items')
  t.same(seen.params, ['/items'], 'handleParams ran after mount, once: the join adopted the HTTP render')
  await forgetRecorded(page)
  resetSeen()
  await page.click('#next')
  await until(page, '#page', 'page=2 filter=')
  t.equal(new URL(page.url()).search, '?page=2', 'the address bar shows the new URL')
  t.same(seen.params, ['/items?page=2'], 'handleParams ran once, with the URL')
  t.equal(seen.itemsMounts, 0, 'the view did not mount again')
  const frames = (await wire(page)).map((w) => `${w.dir}:${w.frame.t}`)
  t.same(frames, ['out:params', 'in:reply'], 'one frame each way')
  const reply = (await wire(page))[1]!.frame
  t.ok(reply.d !== undefined || reply.html !== undefined, 'the reply carries the render (a delta here)')
  t.equal(await page.title(), 'Items, page 2', 'pageTitle is document.title, live')
  t.ok(await samePage(page), 'no page load')
  t.same(await page.evaluate(() => (window as any).__nav), [['live:navigate-start', true], ['live:navigate-end', false]], 'start and end events, with the class on <html> in between')
})

t.test('this.patch() from a handler: handleParams, one render, the URL pushed or replaced', async (t) => {
  const page = await open(t, '/items')
  resetSeen()
  const before = await page.evaluate(() => history.length)
  await page.click('#next-btn')
  await page.waitForURL(/page=2/)
  await until(page, '#page', 'page=2 filter=')
  t.same(seen.params, ['/items?page=2'])
  t.equal(await page.evaluate(() => history.length), before + 1, 'a new history entry')
  await page.click('#replace-btn')
  await page.waitForURL(/page=3/)
  t.equal(await page.evaluate(() => history.length), before + 1, '{ replace: true } replaced it')
  await page.goBack()
  await until(page, '#page', 'page=1 filter=')
  t.equal(seen.itemsMounts, 0, 'never mounted again')
  t.same(seen.params, ['/items?page=2', '/items?page=3', '/items'], 'back ran handleParams with the URL of the entry')
  t.ok(await samePage(page))
})

t.test('back from a fragment link of the page runs nothing on the server', async (t) => {
  const page = await open(t, '/items')
  await page.click('#next')
  await until(page, '#page', 'page=2 filter=')
  await page.evaluate(() => { location.hash = 'bottom' })
  await page.waitForFunction(() => location.hash === '#bottom')
  await forgetRecorded(page)
  resetSeen()
  await page.goBack()
  await page.waitForFunction(() => location.hash === '')
  // a patch after it: had the back sent one, its reply would come first
  await page.click('#next')
  await until(page, '#page', 'page=3 filter=')
  t.same(seen.params, ['/items?page=3'], 'only the click ran handleParams')
})

t.test('the token follows the URL: a rejoin after a patch mounts the patched page', async (t) => {
  const page = await open(t, '/items')
  await page.click('#next')
  await until(page, '#page', 'page=2 filter=')
  const token = await page.getAttribute('[data-live-root]', 'data-live-token')
  const claims = JSON.parse(Buffer.from(token!.split('.')[0]!, 'base64url').toString())
  t.equal(claims.u, '/items?page=2', 'the root carries the token of the patched URL')
  t.same(claims.q, { page: '2' })
  t.ok(await samePage(page), 'set by the patch\'s reply, not by a page load')
})

t.test('live-navigate mounts another route over the same socket: title, focus, announcement, back and forward', async (t) => {
  const page = await open(t, '/items')
  await page.click('#item-2')
  await until(page, '#item', 'item=2')
  await waitConnected(page)
  t.equal(new URL(page.url()).pathname, '/items/2')
  t.equal(await page.title(), 'Item 2')
  t.equal(await page.evaluate(() => document.activeElement?.textContent), 'Item 2', 'focus moved to the new view\'s heading')
  t.equal(await page.evaluate(() => document.querySelector('[aria-live]')?.textContent), 'Item 2', 'screen readers are told the title')
  t.equal(seen.itemMounts, 1)
  await page.click('#other')
  await until(page, '#item', 'item=3')
  await page.goBack()
  await until(page, '#item', 'item=2')
  await page.goBack()
  await until(page, '#page', 'page=1 filter=')
  t.equal(await page.title(), 'Items, page 1')
  await page.goForward()
  await until(page, '#item', 'item=2')
  await waitConnected(page)
  t.equal(await page.locator('[data-live-root]').count(), 1, 'one view on the page')
  t.ok(await samePage(page), 'no page load')
  t.equal(await socketCount(page), 1, 'one WebSocket for the whole session')
  // the old views ended on the server: only the one on the page is left
  await page.click('#back')
  await until(page, '#page', 'page=1 filter=')
  await waitConnected(page)
  t.equal(await socketCount(page), 1)
})

t.test('a reconnect after a patch and a navigate brings back the view of the current URL', async (t) => {
  const page = await open(t, '/items')
  await page.click('#item-2')
  await until(page, '#item', 'item=2')
  await waitConnected(page)
  await closeSocket(page)
  await page.waitForFunction(() => (window as any).__live.sockets.length === 2 && document.querySelector('[data-live-root]')!.classList.contains('live-connected'))
  await page.click('#back')
  await until(page, '#page', 'page=1 filter=')
  await waitConnected(page)
  await page.click('#next')
  await until(page, '#page', 'page=2 filter=')
  resetSeen()
  await closeSocket(page, 1)
  await page.waitForFunction(() => (window as any).__live.sockets.length === 3 && document.querySelector('[data-live-root]')!.classList.contains('live-connected'))
  await page.click('#next')
  await until(page, '#page', 'page=3 filter=')
  // closed by the page, the socket ended its views: the rejoin mounted the view from its token, which followed the URL
  t.equal(seen.itemsMounts, 1, 'mounted again on the rejoin')
  t.same(seen.params, ['/items?page=2', '/items?page=3'], 'with the patched URL, and the next patch went on from page 2')
  t.ok(await samePage(page))
})

t.test('back and forward restore the scroll position; a new navigation starts at the top', async (t) => {
  const page = await open(t, '/items')
  await page.evaluate(() => scrollTo(0, 1200))
  await page.waitForFunction(() => history.state?.scroll === 1200)
  // a click where the link is (page.click would scroll it into view first)
  await page.evaluate(() => (document.querySelector('#item-1') as HTMLElement).click())
  await until(page, '#item', 'item=1')
  t.equal(await page.evaluate(() => scrollY), 0, 'the new view starts at the top')
  await page.evaluate(() => scrollTo(0, 700))
  await page.waitForFunction(() => history.state?.scroll === 700)
  await page.goBack()
  await until(page, '#page', 'page=1 filter=')
  await page.waitForFunction(() => scrollY === 1200)
  await page.goForward()
  await until(page, '#item', 'item=1')
  await page.waitForFunction(() => scrollY === 700)
  t.pass('scroll restored both ways')
  await page.reload()
  await waitConnected(page)
  await page.waitForFunction(() => scrollY === 700)
  t.pass('and after a reload')
})

t.test('50 navigations, then back and forward through all of them, all work', async (t) => {
  const page = await open(t, '/items')
  for (let k = 1; k <= 50; k++) {
    await page.evaluate((k) => {
      const a = document.createElement('a')
      a.href = `/items/${k}`
      a.setAttribute('live-navigate', '')
      a.id = 'go'
      document.body.append(a)
      a.click()
      a.remove()
    }, k)
    await until(page, '#item', `item=${k}`)
  }
  // Chromium keeps 50 entries per tab: the page's own first entry has gone, so 49 backs reach the first navigation
  t.equal(await page.evaluate(() => history.length), 50)
  for (let k = 49; k >= 1; k--) {
    await page.goBack()
    await until(page, '#item', `item=${k}`)
  }
  for (let k = 2; k <= 50; k++) {
    await page.goForward()
    await until(page, '#item', `item=${k}`)
  }
  t.ok(await samePage(page), 'no page load')
  t.equal(await socketCount(page), 1)
})

t.test('live-navigate to a forbidden route loads it: the 403 page', async (t) => {
  const page = await open(t, '/items')
  await page.click('#admin')
  await page.waitForURL(`${base}/admin`)
  await page.waitForLoadState()
  t.notOk(await samePage(page), 'a page load')
  t.match(await page.textContent('body'), /403|Forbidden/i, 'the 403 page answers')
})

t.test('live-navigate to a forbidden route answers with onForbidden when the app has one', async (t) => {
  const guarded = await buildApp(t, [['/items', ItemsView], ['/admin', AdminView, { permissions: 'admin.view' }]], {
    onForbidden: (request, reply) => reply.redirect(`/login?next=${encodeURIComponent(request.url)}`),
  }, (app) => {
    app.get('/login', async (_request, reply) => reply.type('text/html').send('<!doctype html><p id="login">sign in first</p>'))
  })
  const at = await guarded.listen({ host: '127.0.0.1', port: 0 })
  const page = await openChromiumPage(t, browser, `${at}/items`)
  await page.click('#admin')
  await page.waitForSelector('#login')
  t.equal(new URL(page.url()).search, '?next=%2Fadmin')
})

t.test('live-navigate to a page that is not a live route is a page load', async (t) => {
  const page = await open(t, '/items')
  await page.click('#plain')
  await page.waitForSelector('#plain-page')
  t.notOk(await samePage(page))
})

t.test('a flash shows in the next render, survives one navigate, and is gone after the next', async (t) => {
  const page = await open(t, '/items/4')
  await page.click('#remove')
  await until(page, '#page', 'page=1 filter=')
  t.equal(await text(page, '#flash'), 'Deleted item 4', 'carried over the navigate')
  await waitConnected(page)
  await page.click('#item-1')
  await until(page, '#item', 'item=1')
  t.equal(await text(page, '#flash'), '', 'gone after the navigation that follows')
  await page.click('#back')
  await until(page, '#page', 'page=1 filter=')
  t.equal(await text(page, '#flash'), '', 'and does not come back')
})

t.test('this.redirect() is a page load that carries the flash once; another origin needs external', async (t) => {
  const page = await open(t, '/items/5')
  await page.click('#remove-away')
  await page.waitForURL(`${base}/items?page=2`)
  await until(page, '#flash', 'Deleted item 5')
  t.notOk(await samePage(page), 'a page load')
  t.equal(await text(page, '#page'), 'page=2 filter=')
  await page.reload()
  await waitConnected(page)
  t.equal(await text(page, '#flash'), '', 'shown once: gone at the next load')
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  await page.evaluate(() => { (window as any).__samePage = true })
  await page.click('#away')
  await page.waitForFunction(() => document.querySelector('[data-live-root]') !== null && (window as any).__live.events.some((e: any) => e.name === 'live:error'))
  t.ok(await samePage(page), 'no redirect to another origin without { external: true }')
  t.equal(new URL(page.url()).origin, base)
})

t.test('modifier clicks, target, download and fragment links are left to the browser', async (t) => {
  const page = await open(t, '/items')
  await page.evaluate(() => {
    const w = window as any
    w.__prevented = []
    // after the bundle's listener on document: what it did, then stop the browser following the link
    window.addEventListener('click', (e) => { w.__prevented.push(e.defaultPrevented); e.preventDefault() })
  })
  await forgetRecorded(page)
  await page.click('#item-1', { modifiers: ['Control'] })
  await page.click('#item-1', { modifiers: ['Meta'] })
  await page.click('#item-1', { modifiers: ['Shift'] })
  await page.click('#item-1', { button: 'middle' })
  await page.click('#blank')
  await page.click('#dl')
  await page.click('#self')
  const prevented = await page.evaluate(() => (window as any).__prevented)
  t.ok(prevented.length >= 6 && prevented.every((p: boolean) => !p), 'none of them intercepted')
  t.equal(await sentOf(page, 'navigate'), 0, 'no navigate frame sent')
  t.ok(await samePage(page))
})
