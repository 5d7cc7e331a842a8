import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { buildApp, closeWhileBrowsing } from '../helpers/app.js'
import { launchBrowser, openChromiumPage, serve, waitConnected } from '../helpers/browser.js'
import { liveEvents, socketsOpenedAt } from '../helpers/recorder.js'

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

t.test('when the server drops the socket, roots show it, reconnect after a backoff and work again', async (t) => {
  const { app, url } = await serve(t, [['/r', ReconnectView]])
  const page = await openChromiumPage(t, browser, `${url}/r`)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.equal(mounts, 1)

  for (const c of app.websocketServer.clients) c.terminate()
  await waitLog(page, 1, 'live:disconnected')
  await waitLog(page, 2, 'live:connected')
  const entries = await log(page)
  const [connected1, disconnected, connected2] = entries
  t.same(entries.map((e) => e.name), ['live:connected', 'live:disconnected', 'live:connected'])
  t.same(disconnected!.classes, ['live-disconnected'], 'live-disconnected (and not live-connected) while the socket is down')
  t.same(connected2!.classes, ['live-connected'])
  t.ok(connected1!.at < disconnected!.at)
  const sockets = await socketsOpenedAt(page)
  t.equal(sockets.length, 2, 'one new socket')
  const delay = sockets[1]! - disconnected!.at
  t.ok(delay >= 125 - 20, `the first retry waits 250 ms scaled by 0.5–1 (waited ${delay.toFixed(0)} ms)`)
  t.ok(delay <= 250 + 300, `and not much longer (waited ${delay.toFixed(0)} ms)`)
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
  const page = await openChromiumPage(t, browser, `${url}/r`)
  t.equal(await page.textContent('#server'), 'first')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')

  await closeWhileBrowsing(app)
  await waitLog(page, 1, 'live:disconnected')
  // stay down long enough for several retries
  await page.waitForFunction(() => (window as any).__live.opened.length >= 5)
  serverName = 'second'
  const again = await buildApp(t, [['/r', ReconnectView]])
  await again.listen({ host: '127.0.0.1', port })
  await waitLog(page, 2, 'live:connected')
  await page.waitForFunction(() => document.querySelector('#server')!.textContent === 'second')
  t.equal(await page.textContent('#count'), '0', 'the fresh render of the new server')

  // the retries backed off: 250 ms doubling, each scaled by 0.5–1
  const sockets = await socketsOpenedAt(page)
  const gaps = sockets.slice(1).map((at, i) => at - sockets[i]!)
  for (let k = 1; k < 4; k++) {
    const base = 250 * 2 ** k
    t.ok(gaps[k]! >= base * 0.5 - 20 && gaps[k]! <= base + 400, `retry ${k + 1} waited ${gaps[k]!.toFixed(0)} ms (${base / 2}–${base} ms + the refused connect)`)
  }

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.pass('events reach the new server')
})
