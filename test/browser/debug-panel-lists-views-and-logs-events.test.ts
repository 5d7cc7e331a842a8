import t from 'tap'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { closeSocket, wire } from '../helpers/recorder.js'
import { deferred } from '../helpers/deferred.js'
import { DebugPage, record } from '../fixtures/debug-views.js'
import { panelLog, panelOpen, panelViews } from '../helpers/ui-debug.js'

// In development the page loads the debug panel: a small button toggles an
// overlay that lists each view with its handlers (description, params
// schema, policies) and logs every event live: handler, params, time to
// reply, bytes of the reply and of the patches before it, errors.

t.not(process.env.NODE_ENV, 'production', 'these tests run outside production')

const browser = await launchBrowser(t)
// No `debug` option: on by default outside production.
const { url } = await serve(t, [['/debug', DebugPage]], { permissions: () => ['items.write'] })

t.beforeEach(() => {
  record.hold = undefined
  record.entered = 0
})

t.test('the page loads the panel lazily: a toggle button, the overlay closed', async (t) => {
  const html = await (await fetch(`${url}/debug`)).text()
  const src = /data-live-debug="([^"]+)"/.exec(html)?.[1]
  t.match(src, /^\/_live\/live-debug\.[0-9a-f]{10}\.js$/, 'the script tag names the panel')
  t.equal([...html.matchAll(/data-live-view="/g)].length, 2, 'each root carries its view\'s description')

  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const requested: string[] = []
  page.on('request', (r) => requested.push(new URL(r.url()).pathname))
  await page.goto(`${url}/debug`)
  await page.waitForSelector('button.toggle')
  t.ok(requested.some((p) => /^\/_live\/live-debug\.[0-9a-f]{10}\.js$/.test(p)), 'the panel script was loaded')
  t.equal(await page.locator('button.toggle').getAttribute('aria-expanded'), 'false')
  t.notOk(await panelOpen(page), 'the overlay starts closed')
  t.equal(await page.$eval('#live-debug', (host) => host.parentElement!.localName), 'body', 'outside every live root')

  await page.locator('button.toggle').click()
  t.ok(await panelOpen(page))
  t.equal(await page.locator('button.toggle').getAttribute('aria-expanded'), 'true')
  await page.locator('button.toggle').click()
  t.notOk(await panelOpen(page), 'the button closes it again')
})

t.test('the overlay lists each view on the page with its handlers: description, params schema, policies', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/debug`)
  const [pageId, sideId] = await page.$$eval('[data-live-root]', (els) => els.map((el) => el.id))
  await page.locator('button.toggle').click()
  const views = await panelViews(page)
  t.same(views.map((v) => [v.title, v.status]), [['DebugPage', `#${pageId} connected`], ['DebugSide', `#${sideId} connected`]])
  const rows = Object.fromEntries(views[0]!.handlers.map(([name, ...rest]) => [name, rest]))
  t.same(Object.keys(rows).sort(), ['boom', 'save', 'search'])
  t.same(rows.save!.slice(0, 1), ['Save the item'])
  t.same(JSON.parse(rows.save![1]!), { itemId: { type: 'integer' } })
  t.same(JSON.parse(rows.save![2]!), { optimistic: true, loading: 'isSaving', permissionRequired: ['items.write'] })
  t.same(rows.search!.slice(0, 1), ['Filter as you type'])
  t.same(JSON.parse(rows.search![1]!), ['value'])
  t.same(JSON.parse(rows.search![2]!), { debounce: { wait: 50 } })
  t.same(rows.boom, ['', 'any', ''], 'no description, any params, no policies')
  t.same(views[1]!.handlers, [['ping', '', 'any', '']])
})

t.test('the open overlay follows the views\' connection state', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/debug`)
  await page.locator('button.toggle').click()
  // Registered after the panel's own listener, so it reads what the panel shows at that moment.
  await page.evaluate(() => {
    const w = window as any
    w.__shown = []
    document.addEventListener('live:disconnected', () => w.__shown.push([...document.getElementById('live-debug')!.shadowRoot!
      .querySelectorAll('.views span')].map((s) => s.textContent!.split(' ').slice(1).join(' '))))
  })
  await closeSocket(page)
  await page.waitForFunction(() => (window as any).__live.sockets.length === 2 &&
    [...document.querySelectorAll('[data-live-root]')].every((r) => r.classList.contains('live-connected')))
  t.same((await page.evaluate(() => (window as any).__shown)).at(-1), ['not connected', 'not connected'], 'shown as not connected when the socket dropped')
  await page.waitForFunction(() => [...document.getElementById('live-debug')!.shadowRoot!.querySelectorAll('.views span')]
    .every((s) => s.textContent!.endsWith(' connected') && !s.textContent!.includes('not')))
  t.same((await panelViews(page)).map((v) => v.title), ['DebugPage', 'DebugSide'], 'and connected again after the rejoin')
})

t.test('the log shows each event live: handler, params, time to reply and bytes', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/debug`)
  await page.locator('button.toggle').click()
  const held = deferred()
  record.hold = held.promise
  const clicked = Date.now()
  await page.click('#save')
  await page.waitForFunction(() => document.getElementById('saving')!.textContent === 'true')
  t.same(await panelLog(page), [{ cells: ['save', '{"itemId":"7"}', '…', String((await wire(page)).find((f) => f.frame.t === 'patch')!.bytes)], error: false }],
    'a row while in flight: the params as sent, no reply yet, the bytes of the @loading patch so far')

  const released = Date.now()
  held.resolve()
  await page.waitForFunction(() => document.getElementById('saved')!.textContent === '7')
  await page.waitForFunction(() => !document.getElementById('live-debug')!.shadowRoot!.querySelector('tbody.log td:nth-child(3)')!.textContent!.includes('…'))
  const seen = Date.now()
  const [row] = await panelLog(page)
  const ms = Number(/^(\d+) ms$/.exec(row!.cells[2]!)?.[1])
  t.ok(ms >= released - record.entered - 1, `the reply took ${ms} ms; the handler was held ${released - record.entered} ms`)
  t.ok(ms <= seen - clicked, `and no longer than the test waited (${seen - clicked} ms)`)

  const frames = await wire(page)
  const sent = frames.find((f) => f.dir === 'out' && f.frame.t === 'event')!
  const answer = frames.filter((f) => f.dir === 'in' && (f.frame.ref === sent.frame.ref || f.frame.t === 'patch'))
  t.equal(row!.cells[3], String(answer.reduce((sum, f) => sum + f.bytes, 0)), 'the bytes of the patch and the reply')
})

t.test('the log shows errors, events of every view, and events from before it was opened, newest first', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/debug`)
  await page.click('#ping')
  await page.waitForFunction(() => document.getElementById('pings')!.textContent === '1')
  await page.fill('#search', 'ab')
  await page.waitForFunction(() => document.getElementById('query')!.textContent === 'ab')
  await page.locator('button.toggle').click()
  await page.click('#boom')
  await page.waitForFunction(() => document.getElementById('live-debug')!.shadowRoot!.querySelector('td.err'))
  const log = await panelLog(page)
  t.same(log.map((r) => r.cells.slice(0, 2)), [['boom', '{}'], ['search', '{"value":"ab"}'], ['ping', '{}']])
  t.match(log[0], { cells: ['boom', '{}', /^handler_error: DebugPage\.boom\(\) threw: kaboom$/], error: true })
  t.match(log[1]!.cells[2], /^\d+ ms$/)
  t.match(log[2]!.cells[2], /^\d+ ms$/)
  t.ok(Number(log[2]!.cells[3]) > 0, 'the ping\'s reply has bytes')
})
