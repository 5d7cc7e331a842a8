import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { buildApp, closeWhileBrowsing } from '../helpers/app.js'
import { launchBrowser, waitConnected } from '../helpers/browser.js'

// Without a fixed `secret` (the development default) a restarted server
// signs with a new random secret, and refuses the tokens of the pages the
// old one rendered. Such a page reloads itself once, and works again; a
// reloaded page that is refused too reports the error instead of reloading
// in a loop.

/** Which server renders and mounts the view (the test "restarts" it). */
let serverName = 'first'

class RestartView extends LiveView {
  static override template = 'core-reconnect.njk'
  server = ''
  count = 0

  override mount () { this.server = serverName }

  @eventHandler()
  increment () { this.count += 1 }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { serverName = 'first' })

/** Runs before the page's scripts on every load of the tab: counts loads, records live:error. */
const RECORDER = () => {
  const w = window as any
  w.__load = Number(sessionStorage.getItem('test:loads') ?? 0) + 1
  sessionStorage.setItem('test:loads', String(w.__load))
  w.__errors = []
  document.addEventListener('live:error', (e) => w.__errors.push((e as CustomEvent).detail), true)
}

async function open (t: { teardown (fn: () => unknown): void }, url: string): Promise<Page> {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  await context.addInitScript(RECORDER)
  const page = await context.newPage()
  page.on('pageerror', (err) => { throw err })
  await page.goto(url)
  await waitConnected(page)
  return page
}

/** Serve the view with a random secret (no `secret` option), on `port` (0: any free one). */
async function start (t: { teardown (fn: () => unknown): void }, port = 0, options = {}) {
  const app = await buildApp(t, [['/r', RestartView]], { secret: undefined, ...options })
  await app.listen({ host: '127.0.0.1', port })
  const bound = (app.server.address() as { port: number }).port
  return { app, url: `http://127.0.0.1:${bound}`, port: bound }
}

t.test('after a restart with a new random secret, the page reloads once and works', async (t) => {
  const first = await start(t)
  const page = await open(t, `${first.url}/r`)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.equal(await page.evaluate(() => (window as any).__load), 1)

  await closeWhileBrowsing(first.app)
  serverName = 'second'
  await start(t, first.port)
  // the socket reconnects, the rejoin is refused, the page reloads from the new server
  await page.waitForFunction(() => (window as any).__load === 2 && document.querySelector('#server')?.textContent === 'second')
  await waitConnected(page)
  t.equal(await page.evaluate(() => sessionStorage.getItem('test:loads')), '2', 'one reload')
  t.same(await page.evaluate(() => (window as any).__errors), [], 'the reloaded page reports nothing')
  t.equal(await page.evaluate(() => sessionStorage.getItem('live:reloaded')), null, 'its join cleared the reload guard')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.pass('events reach the new server')
})

t.test('a reloaded page whose token is refused too stays, and says why', async (t) => {
  const first = await start(t)
  const page = await open(t, `${first.url}/r`)
  await closeWhileBrowsing(first.app)
  serverName = 'second'
  // the new server's tokens expire before any page can join with them
  await start(t, first.port, { tokenMaxAge: 0.001 })
  await page.waitForFunction(() => (window as any).__load === 2 && (window as any).__errors.length > 0)
  const errors = await page.evaluate(() => (window as any).__errors)
  t.match(errors, [{ code: 'join_refused', message: /expired/ }], 'the reloaded page reported the refusal instead of reloading again')
  t.equal(await page.textContent('#server'), 'second', 'it shows the new server\'s render')
  t.ok(await page.$eval('[data-live-root]', (el) => el.classList.contains('live-disconnected')), 'and is marked as not connected')
  t.equal(await page.evaluate(() => sessionStorage.getItem('test:loads')), '2', 'one reload, no loop')
})
