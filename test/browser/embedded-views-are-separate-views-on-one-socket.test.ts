import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler, permissionRequired } from '../../lib/index.js'
import type { MountContext } from '../../lib/index.js'
import { liveStats } from '../../lib/testing.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents, socketCount, waitLiveEvents, wire } from '../helpers/recorder.js'

// `{{ live.embed('Name', props) }}` renders another live view inline in the
// HTTP page. Each embed has its own root, state, handlers and permissions,
// all views share the page's one WebSocket, and a re-render of the parent
// leaves the embeds' state alone.

/** What the server ran: view, label and handler, in order. */
let calls: Array<{ view: string, handler: string }> = []
let mounts: Array<{ label: unknown, props: Record<string, unknown> }> = []

class EmbeddedCounter extends LiveView {
  static override template = 'ui-embed-counter.njk'
  label = ''
  count = 0
  seenAtMount = ''

  override mount ({ props }: MountContext) {
    // props are properties before mount runs, and ctx.props too
    mounts.push({ label: this.label, props })
    this.count = Number(props.start)
    this.seenAtMount = `${this.label}/${String(props.start)}`
  }

  @eventHandler() increment () {
    calls.push({ view: this.label, handler: 'increment' })
    this.count++
  }

  @permissionRequired('counter.reset') @eventHandler()
  reset () {
    calls.push({ view: this.label, handler: 'reset' })
    this.count = 0
  }
}

class EmbedParent extends LiveView {
  static override template = 'ui-embed-parent.njk'
  static override embeds = { Counter: EmbeddedCounter }
  count = 0

  @eventHandler() increment () {
    calls.push({ view: 'parent', handler: 'increment' })
    this.count++
  }

  // The same name as the embed's guarded handler; the parent's needs no permission.
  @eventHandler() reset () {
    calls.push({ view: 'parent', handler: 'reset' })
    this.count = 0
  }

  @eventHandler() parentOnly () {
    calls.push({ view: 'parent', handler: 'parentOnly' })
  }
}

const browser = await launchBrowser(t)
// Nobody has 'counter.reset'.
const { app, url } = await serve(t, [['/embeds', EmbedParent]], { permissions: () => ['parent.anything'] })

t.beforeEach(() => {
  calls = []
  mounts = []
})

const count = async (page: Page, who: string, n: number) =>
  await page.waitForFunction(([who, n]) => document.getElementById(`${who}-count`)!.textContent === String(n), [who, n] as const)

/** The live:error events so far: the root each was dispatched on, and its detail. */
const errors = async (page: Page) => (await liveEvents(page, 'live:error')).map((e) => ({ root: e.id, ...e.detail }))

t.test('the HTTP page already holds each embed\'s root and content, inside the parent\'s root', async (t) => {
  const html = await (await fetch(`${url}/embeds`)).text()
  const roots = [...html.matchAll(/<div id="(lv-[\w-]{10})" data-live-root data-live-token="[^"]+"/g)].map((m) => m[1])
  t.equal(roots.length, 3, 'three roots, each with its own token')
  t.equal(new Set(roots).size, 3)
  t.match(html, /<span id="first-count">10<\/span> mounted-with=<span id="first-seen">first\/10<\/span>/)
  t.match(html, /<span id="second-count">20<\/span>/)
  t.same(mounts.map((m) => m.label), ['first', 'second'], 'mounted for the HTTP render, props set before mount')
  t.same(mounts.map((m) => m.props), [{ label: 'first', start: 10 }, { label: 'second', start: 20 }], 'and given as ctx.props')

  mounts = []
  const page = await openChromiumPage(t, browser, `${url}/embeds`)
  t.same(await page.$$eval('[data-live-root] [data-live-root]', (els) => els.map((el) => el.parentElement!.id)), ['first-slot', 'second-slot'], 'nested in the parent\'s root')
  t.same(await page.$$eval('[data-live-root]', (els) => els.map((el) => el.classList.contains('live-connected'))), [true, true, true])
  t.equal(await page.textContent('#first-count'), '10', 'the joins kept the HTTP render')
  t.equal(mounts.length, 2, 'the page\'s GET mounted the two embeds, and the joins nothing more')
})

t.test('all the views of the page share one WebSocket', async (t) => {
  // A server of its own, so its counters see this page alone.
  const own = await serve(t, [['/embeds', EmbedParent]])
  const page = await openChromiumPage(t, browser, `${own.url}/embeds`)
  t.equal(await socketCount(page), 1, 'the page opened one socket')
  t.equal(liveStats(own.app).sockets, 1, 'the server has one')
  t.equal(liveStats(own.app).views, 3, 'carrying three views')
  const joins = (await wire(page)).filter((f) => f.dir === 'out' && f.frame.t === 'join')
  t.equal(new Set(joins.map((f) => f.frame.id)).size, 3, 'each root joined over it')
  await page.click('#first-inc')
  await count(page, 'first', 11)
  t.equal(await socketCount(page), 1)
})

t.test('each embed has its own state and handlers', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/embeds`)
  const ids = await page.$$eval('[data-live-root]', (els) => els.map((el) => el.id))
  await page.click('#first-inc')
  await count(page, 'first', 11)
  await page.click('#second-inc')
  await count(page, 'second', 21)
  t.equal(await page.textContent('#first-count'), '11')
  t.equal(await page.textContent('#parent-count'), '0')
  t.same(calls, [{ view: 'first', handler: 'increment' }, { view: 'second', handler: 'increment' }])
  const events = (await wire(page)).filter((f) => f.dir === 'out' && f.frame.t === 'event')
  t.same(events.map((f) => f.frame.id), [ids[1], ids[2]], 'each event addressed its own root')

  // a handler of the parent is unknown to the embed
  await forgetRecorded(page)
  await page.click('#first-parent-only')
  await waitLiveEvents(page, 'live:error')
  t.match(await errors(page), [{ root: ids[1], code: 'unknown_handler', handler: 'parentOnly' }])
  t.equal(calls.length, 2, 'nothing ran')
})

t.test('each embed has its own permissions', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/embeds`)
  await forgetRecorded(page)
  const first = await page.$eval('#first-count', (el) => el.closest('[data-live-root]')!.id)
  await page.click('#parent-inc')
  await count(page, 'parent', 1)
  await page.click('#parent-reset')
  await count(page, 'parent', 0)

  await page.click('#first-reset')
  await waitLiveEvents(page, 'live:error')
  t.match(await errors(page), [{ root: first, code: 'forbidden', handler: 'reset' }])
  t.equal(await page.textContent('#first-count'), '10', 'the embed\'s state is untouched')
  t.same(calls, [{ view: 'parent', handler: 'increment' }, { view: 'parent', handler: 'reset' }], 'the embed\'s reset never ran')

  await page.click('#first-inc')
  await count(page, 'first', 11)
})

t.test('a re-render of the parent keeps each embed\'s state', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/embeds`)
  await page.click('#first-inc')
  await page.click('#first-inc')
  await count(page, 'first', 12)
  await page.click('#parent-inc')
  await count(page, 'parent', 1)
  t.equal(await page.textContent('#first-count'), '12', 'the page still shows it')
  t.equal(await page.textContent('#second-count'), '20')
  await page.click('#first-inc')
  await count(page, 'first', 13)
  t.equal(mounts.length, 2, 'the parent\'s re-render mounted no embed again')
  t.same(calls.map((c) => c.view), ['first', 'first', 'parent', 'first'])
})
