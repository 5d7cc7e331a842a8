import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, serve, waitConnected } from '../helpers/browser.js'

// A reply for a one-row change carries that row alone (`d`), and the browser
// morphs just that element. Whenever the delta cannot apply to what the page
// holds (it missed a render, the element is not there, or its id repeats),
// the browser asks for the full HTML instead (docs/protocol.md, "Deltas").

class RowsView extends LiveView {
  static override template = 'rows-later.njk'
  rows = Array.from({ length: 100 }, (_, k) => ({ id: k + 1, name: `Item ${k + 1}`, price: '1.00', checked: false }))

  @eventHandler({ params: { id: { type: 'integer' } } }) toggle ({ id }: { id: number }) {
    const row = this.rows[id - 1]
    if (row !== undefined) row.checked = !row.checked
  }

  /** Toggles row 50 from a task: the server sends that render unasked, as a `patch`. */
  @eventHandler() later () {
    this.startAsync('flip', async () => 50)
  }

  override handleAsyncResult (_name: string, id: unknown) {
    this.toggle({ id: id as number })
  }
}

class RepeatedIdsView extends LiveView {
  static override template = 'repeated-ids.njk'
  first = 'one'
  second = 0
  @eventHandler() bump () { this.second++ }
}

interface Frame { t: string, ref?: number, v?: number, d?: [string, string], html?: string }

/**
 * The page at `url`, its socket routed through `edit`: each frame from the
 * server goes to the page as `edit` returns it (`null` drops it). Both
 * directions are recorded.
 */
async function openRouted (t: { teardown (fn: () => unknown): void }, browser: Browser, url: string, edit: (frame: Frame) => Frame | null = (f) => f) {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (err) => { throw err })
  const fromServer: Frame[] = []
  const fromPage: Frame[] = []
  await page.routeWebSocket(/\/_live\/socket/, (ws) => {
    const server = ws.connectToServer()
    ws.onMessage((m) => {
      fromPage.push(JSON.parse(String(m)))
      server.send(m)
    })
    server.onMessage((m) => {
      const frame = JSON.parse(String(m)) as Frame
      fromServer.push(frame)
      const out = edit(frame)
      if (out !== null) ws.send(JSON.stringify(out))
    })
  })
  await page.goto(url)
  await waitConnected(page)
  return { page, fromServer, fromPage }
}

const browser = await launchBrowser(t)

const checked = (page: Page, id: number) => page.$eval(`#row-${id}`, (el) => el.classList.contains('done') && (el.querySelector('input') as HTMLInputElement).checked)

t.test('a one-row change morphs that row alone: the rest of the table is not touched', async (t) => {
  const { url } = await serve(t, [['/rows', RowsView]])
  const { page, fromServer } = await openRouted(t, browser, `${url}/rows`)
  // Marks the server's HTML does not have: a full morph of the root would remove them.
  await page.evaluate(() => {
    document.getElementById('row-3')!.setAttribute('data-mark', 'kept')
    document.querySelector('[data-live-root] p')!.setAttribute('data-mark', 'kept')
  })
  await page.click('#row-17 input')
  await page.waitForFunction(() => document.getElementById('row-17')!.classList.contains('done'))
  const reply = fromServer.find((f) => f.t === 'reply' && f.ref !== undefined && f.v === 2)!
  t.same(reply.d?.[0], 'row-17', 'the reply names the row')
  t.ok(JSON.stringify(reply).length < 300, `and carries it alone (${JSON.stringify(reply).length} bytes)`)
  t.equal(reply.html, undefined, 'not the table')
  t.equal(await page.getAttribute('#row-3', 'data-mark'), 'kept', 'another row keeps what the page added to it')
  t.equal(await page.getAttribute('[data-live-root] p', 'data-mark'), 'kept', 'and so does the element after the table')
  t.ok(await checked(page, 17), 'the row shows the new state')
})

t.test('a delta made against a render the page missed is not applied: the page asks for the full HTML', async (t) => {
  const { url } = await serve(t, [['/rows', RowsView]])
  let dropped: Frame | undefined
  let onDropped = (): void => {}
  const droppedOne = new Promise<void>((resolve) => { onDropped = resolve })
  const { page, fromServer, fromPage } = await openRouted(t, browser, `${url}/rows`, (f) => {
    if (f.t !== 'patch' || dropped !== undefined) return f
    dropped = f
    onDropped()
    return null
  })
  await page.click('#later')
  await droppedOne
  t.same(dropped!.d?.[0], 'row-50', 'the page never got the patch for row 50')
  t.notOk(await checked(page, 50), 'so it still shows row 50 unchecked')
  await page.click('#row-2 input')
  await page.waitForFunction(() => document.getElementById('row-2')!.classList.contains('done'))
  const reply = fromServer.find((f) => f.t === 'reply' && f.d?.[0] === 'row-2')
  t.ok(reply !== undefined, 'the reply to the next click was a delta, made against the render the page missed')
  t.ok(fromPage.some((f) => f.t === 'render'), 'the page sent `render` instead of applying it')
  t.ok(await checked(page, 50), 'the full HTML brought the missed change')
  t.ok(await checked(page, 2), 'and the new one')
})

t.test('a delta naming an element the view does not hold is not applied: the page asks for the full HTML', async (t) => {
  const { url } = await serve(t, [['/rows', RowsView]])
  const { page, fromPage } = await openRouted(t, browser, `${url}/rows`, (f) => f.d === undefined ? f : { ...f, d: ['row-999', f.d[1].replace('row-', 'row-9')] })
  await page.click('#row-4 input')
  await page.waitForFunction(() => document.getElementById('row-4')!.classList.contains('done'))
  t.ok(fromPage.some((f) => f.t === 'render'), 'the page sent `render`')
  t.equal(await page.$$eval('#items tr', (rows) => rows.length), 100, 'no row was added or lost')
  t.equal(await page.$('#row-9994'), null, 'nothing was morphed into an element of that name')
})

t.test('a delta naming an id the page holds twice is not applied: the page asks for the full HTML', async (t) => {
  const { url } = await serve(t, [['/twice', RepeatedIdsView]])
  const { page, fromServer, fromPage } = await openRouted(t, browser, `${url}/twice`)
  await page.click('#bump')
  await page.waitForFunction(() => document.querySelectorAll('[id="twice"]')[1]!.textContent === '1')
  t.same(fromServer.find((f) => f.d !== undefined)?.d, ['twice', '<span id="twice">1</span>'], 'the server sent a delta for the second element')
  t.ok(fromPage.some((f) => f.t === 'render'), 'the page sent `render`')
  t.same(await page.$$eval('[id="twice"]', (els) => els.map((el) => el.textContent)), ['one', '1'], 'the first element was not morphed into the second')
})
