import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { buildApp, closeWhileBrowsing } from '../helpers/app.js'
import { launchBrowser, openChromiumPage, serve, waitConnected } from '../helpers/browser.js'
import { liveEvents, socketsClosedAt, socketsOpenedAt } from '../helpers/recorder.js'
import { advance, openPausedPage } from '../helpers/page-clock.js'

/** Which server the views are mounted by (the test "restarts" it). */
let serverName = 'first'
let mounts = 0

class ReconnectView extends LiveView {
  static override template = 'core-reconnect.njk'
  server = ''
  count = 0

  override mount () {
    mounts += 1
    this.server = serverName
  }

  @eventHandler()
  increment () { this.count += 1 }
}

class ParentView extends ReconnectView {
  static override template = 'core-reconnect-parent.njk'
  static override embeds = { Child: ReconnectView }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { serverName = 'first'; mounts = 0 })

// Lifecycle events with their page time (`mono`) and the root's classes at
// that moment, and when the bundle opened each WebSocket, from the recorder.
type Entry = { name: string, at: number, classes: string[] }
const log = async (page: Page): Promise<Entry[]> =>
  (await liveEvents(page)).filter((e) => e.name === 'live:connected' || e.name === 'live:disconnected').map((e) => ({ name: e.name, at: e.mono, classes: e.classes }))
const waitLog = (page: Page, n: number, name: string) =>
  page.waitForFunction(([n, name]) => (window as any).__live.events.filter((e: Entry) => e.name === name).length >= n, [n, name] as const)

/** Until the page's `n`th WebSocket (from 0) has been opened and has closed (a refused connect). */
const waitClosed = (page: Page, n: number) =>
  page.waitForFunction((n) => (window as any).__live.closed[n] !== undefined, n)

// The page's clock is paused where a backoff is timed (page-clock.ts): the
// retry timer fires only when the test moves time, at its due time, so a
// wait is read exactly, from the close that started it to the next socket.

t.test('when the server drops the socket, roots show it, reconnect after a backoff and work again', async (t) => {
  const { app, url } = await serve(t, [['/r', ReconnectView]])
  const page = await openPausedPage(t, browser, `${url}/r`)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.equal(mounts, 1)

  for (const c of app.websocketServer.clients) c.terminate()
  await waitLog(page, 1, 'live:disconnected')
  await advance(page, 124)
  t.equal((await socketsOpenedAt(page)).length, 1, 'no retry before 250 ms scaled by 0.5')
  await advance(page, 126)
  await waitLog(page, 2, 'live:connected')
  const entries = await log(page)
  const [connected1, disconnected, connected2] = entries
  t.same(entries.map((e) => e.name), ['live:connected', 'live:disconnected', 'live:connected'])
  t.same(disconnected!.classes, ['live-disconnected'], 'live-disconnected (and not live-connected) while the socket is down')
  t.same(connected2!.classes, ['live-connected'])
  t.ok(connected1!.at < disconnected!.at)
  const sockets = await socketsOpenedAt(page)
  t.equal(sockets.length, 2, 'one new socket')
  const delay = sockets[1]! - (await socketsClosedAt(page))[0]!
  t.ok(delay >= 125 && delay <= 250, `the first retry waits 250 ms scaled by 0.5–1, by the page's clock (waited ${delay.toFixed(0)} ms)`)
  t.ok(await page.$eval('[data-live-root]', (el) => el.classList.contains('live-connected') && !el.classList.contains('live-disconnected')))

  // a drop parks the view: the rejoin resumed it, with its state and without a second mount
  t.equal(await page.textContent('#count'), '1')
  t.equal(mounts, 1)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '2')
  t.pass('events work again')
})

t.test('every root on the page is marked and rejoins over one new socket', async (t) => {
  const { app, url } = await serve(t, [['/p', ParentView]])
  const page = await openChromiumPage(t, browser, `${url}/p`)
  t.equal(await page.locator('[data-live-root]').count(), 2, 'the page and its embedded view')
  for (const c of app.websocketServer.clients) c.terminate()
  await waitLog(page, 2, 'live:disconnected')
  await waitLog(page, 4, 'live:connected')
  const entries = await log(page)
  t.same(entries.map((e) => e.name), ['live:connected', 'live:connected', 'live:disconnected', 'live:disconnected', 'live:connected', 'live:connected'])
  t.same(entries.slice(2, 4).map((e) => e.classes), [['live-disconnected'], ['live-disconnected']])
  t.equal(app.websocketServer.clients.size, 1, 'one socket for the page again')
  await waitConnected(page)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  await page.click('#parent-inc')
  await page.waitForFunction(() => document.querySelector('#parent-count')!.textContent === '1')
  t.equal(await page.textContent('#count'), '1', 'the parent\'s render left the embedded view\'s content alone')
})

t.test('after a server restart on the same port, the page rejoins by remounting from its token', async (t) => {
  const { app, url } = await serve(t, [['/r', ReconnectView]])
  const port = (app.server.address() as { port: number }).port
  const page = await openPausedPage(t, browser, `${url}/r`)
  t.equal(await page.textContent('#server'), 'first')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')

  await closeWhileBrowsing(app)
  await waitLog(page, 1, 'live:disconnected')
  await waitClosed(page, 0)
  // stay down for several retries: each waits 250 ms doubling, scaled by 0.5–1
  for (let k = 0; k < 4; k++) {
    const base = 250 * 2 ** k
    await advance(page, base / 2 - 1)
    t.equal((await socketsOpenedAt(page)).length, k + 1, `retry ${k + 1}: not before ${base / 2} ms`)
    await advance(page, base / 2 + 1)
    await waitClosed(page, k + 1)
  }
  const opened = await socketsOpenedAt(page)
  const closed = await socketsClosedAt(page)
  for (let k = 0; k < 4; k++) {
    const base = 250 * 2 ** k
    const waited = opened[k + 1]! - closed[k]!
    t.ok(waited >= base / 2 && waited <= base, `retry ${k + 1} waited ${waited.toFixed(0)} ms after the close before it (${base / 2}–${base} ms), by the page's clock`)
  }

  serverName = 'second'
  const again = await buildApp(t, [['/r', ReconnectView]])
  await again.listen({ host: '127.0.0.1', port })
  await advance(page, 250 * 2 ** 4)
  await waitLog(page, 2, 'live:connected')
  await page.waitForFunction(() => document.querySelector('#server')!.textContent === 'second')
  t.equal(await page.textContent('#count'), '0', 'the fresh render of the new server')

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.pass('events reach the new server')
})
