import t from 'tap'
import type { Page } from 'playwright-core'
import { PostsView, UndeclaredView } from '../fixtures/stream-views.js'
import { launchBrowser, openChromiumPage, serve, waitConnected } from '../helpers/browser.js'

// Streams (API.md §10, docs/streams.md): the server renders only the items
// added since its last render and forgets them; the page keeps the others and
// applies inserts at their position, in-place updates, deletes, limits and
// resets. One server; each test opens its own page (a fresh mount). An
// element keeps a JS property (`mark`) only if it is the same element.

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/posts', PostsView], ['/undeclared', UndeclaredView]])

/** The stream's items as the page shows them: `id:text`. */
const items = (page: Page): Promise<string[]> =>
  page.$$eval('#posts > li[id]', (els) => els.map((el) => `${el.id.replace('posts-', '')}:${el.textContent}`))

const emptyShown = (page: Page): Promise<boolean> => page.$eval('#posts > [live-stream-empty]', (el) => !el.hasAttribute('hidden'))

/** Run one operation of PostsView.act and wait for its render. */
async function act (page: Page, op: string, args: unknown): Promise<void> {
  const n = Number(await page.textContent('#n')) + 1
  await page.$eval('#act', (el, [op, json]) => { el.setAttribute('data-op', op!); el.setAttribute('data-json', json!) }, [op, JSON.stringify(args)])
  await page.click('#act')
  await page.waitForFunction((n) => document.querySelector('#n')?.textContent === String(n), n)
}

const open = (): Promise<Page> => openChromiumPage(t, browser, `${url}/posts`)

t.test('the first page shows what mount streamed, without the empty state', async (t) => {
  const page = await open()
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3'])
  t.equal(await emptyShown(page), false)
  t.equal(await page.$eval('#posts', (el) => el.hasAttribute('data-live-stream-ops')), false, 'the operations were applied and dropped')
})

t.test('inserts go where `at` says, and a batch keeps its order', async (t) => {
  const page = await open()
  await act(page, 'insert', { id: 4 })
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3', '4:post 4'], 'appended (at -1, the default)')
  await act(page, 'insert', { id: 5, opts: { at: 0 } })
  t.same(await items(page), ['5:post 5', '1:post 1', '2:post 2', '3:post 3', '4:post 4'], 'prepended')
  await act(page, 'insert', { id: 6, opts: { at: 2 } })
  t.same(await items(page), ['5:post 5', '1:post 1', '6:post 6', '2:post 2', '3:post 3', '4:post 4'], 'before the item at index 2')
  await act(page, 'stream', { ids: [7, 8, 9], opts: { at: 0 } })
  t.same((await items(page)).slice(0, 4), ['7:post 7', '8:post 8', '9:post 9', '5:post 5'], 'a batch at 0 is prepended in its order')
})

t.test('an item already in the page is updated in place: same element, same position', async (t) => {
  const page = await open()
  await page.$eval('#posts-2', (el) => { (el as any).mark = 'kept' })
  await act(page, 'insert', { id: 2, text: 'edited', opts: { at: 0 } })
  t.same(await items(page), ['1:post 1', '2:edited', '3:post 3'])
  t.equal(await page.$eval('#posts-2', (el) => (el as any).mark), 'kept', 'the element was morphed, not replaced')
})

t.test('deletes remove items, and an item deleted then inserted again comes back', async (t) => {
  const page = await open()
  await act(page, 'delete', { id: 2 })
  t.same(await items(page), ['1:post 1', '3:post 3'])
  await act(page, 'delete', { id: 42 })
  t.same(await items(page), ['1:post 1', '3:post 3'], 'deleting an item the page does not have changes nothing')
  await act(page, 'insert', { id: 2, opts: { at: 1 } })
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3'])
})

t.test('a limit applies after every insert: positive keeps the first items, negative the last', async (t) => {
  const page = await open()
  await act(page, 'stream', { ids: [10, 11], opts: { at: 0, limit: 3 } })
  t.same(await items(page), ['10:post 10', '11:post 11', '1:post 1'], 'prepended with limit 3: the last ones went')
  await act(page, 'stream', { ids: [20, 21, 22, 23], opts: { limit: -2 } })
  t.same(await items(page), ['22:post 22', '23:post 23'], 'appended with limit -2: only the last two stay')
})

t.test('a reset shows exactly the given items, in the given order, and keeps the elements it shows again', async (t) => {
  const page = await open()
  await page.$eval('#posts-3', (el) => { (el as any).mark = 'kept' })
  await act(page, 'reset', { ids: [3, 7, 1] })
  t.same(await items(page), ['3:post 3', '7:post 7', '1:post 1'])
  t.equal(await page.$eval('#posts-3', (el) => (el as any).mark), 'kept')
  await act(page, 'stream', { ids: [5, 4], opts: { reset: true } })
  t.same(await items(page), ['5:post 5', '4:post 4'], 'stream(..., { reset: true }) does the same')
})

t.test('the empty state shows when the stream is empty, and hides when an item comes', async (t) => {
  const page = await open()
  await act(page, 'reset', { ids: [] })
  t.same(await items(page), [])
  t.equal(await emptyShown(page), true)
  await act(page, 'insert', { id: 9 })
  t.same(await items(page), ['9:post 9'])
  t.equal(await emptyShown(page), false)
  await act(page, 'delete', { id: 9 })
  t.equal(await emptyShown(page), true, 'shown again when the last item is deleted')
})

t.test('the rest of the page morphs around the stream, which keeps its items', async (t) => {
  const page = await open()
  await act(page, 'insert', { id: 4 })
  await page.$eval('#posts-1', (el) => { (el as any).mark = 'kept' })
  await act(page, 'title', { title: 'News' })
  t.equal(await page.textContent('#title'), 'News')
  t.equal(await page.textContent('#after'), 'News below')
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3', '4:post 4'])
  t.equal(await page.$eval('#posts-1', (el) => (el as any).mark), 'kept')
  await act(page, 'class', { listClass: 'dense' })
  t.equal(await page.$eval('#posts', (el) => el.className), 'dense', "the container's own attributes follow the render")
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3', '4:post 4'])
})

t.test('a delta the page cannot apply brings the full render: its items are shown once, none lost or doubled', async (t) => {
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  page.on('pageerror', (err) => { throw err })
  const sent: Array<{ t: string }> = []
  // Every delta of the server is renamed to an id the page does not hold.
  await page.routeWebSocket(/\/_live\/socket/, (ws) => {
    const server = ws.connectToServer()
    ws.onMessage((m) => { sent.push(JSON.parse(String(m))); server.send(m) })
    server.onMessage((m) => {
      const f = JSON.parse(String(m))
      if (f.d !== undefined) f.d = ['nowhere', f.d[1]]
      ws.send(JSON.stringify(f))
    })
  })
  await page.goto(`${url}/posts`)
  await waitConnected(page)
  const quietly = async (op: string, args: object, want: string[]): Promise<void> => {
    await page.$eval('#act', (el, [op, json]) => { el.setAttribute('data-op', op!); el.setAttribute('data-json', json!) }, [op, JSON.stringify({ ...args, quiet: true })])
    await page.click('#act')
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#posts > li[id]')].map((el) => el.id)) === JSON.stringify(want), want)
  }
  await quietly('stream', { ids: [4, 5], opts: { at: 0, limit: 4 } }, ['posts-4', 'posts-5', 'posts-1', 'posts-2'])
  t.ok(sent.some((f) => f.t === 'render'), 'the page asked for the full render')
  t.same(await items(page), ['4:post 4', '5:post 5', '1:post 1', '2:post 2'])
  await quietly('delete', { id: 5 }, ['posts-4', 'posts-1', 'posts-2'])
  t.same(await items(page), ['4:post 4', '1:post 1', '2:post 2'])
  t.equal(sent.filter((f) => f.t === 'render').length, 2, 'each delta was refused')
})

t.test('live-viewport-bottom loads more as the end of the stream comes into view: no button', async (t) => {
  const page = await open()
  const count = (): Promise<number> => page.$$eval('#posts > li[id]', (els) => els.length)
  const endBelowFold = (): Promise<boolean> => page.$eval('#posts > li:last-child', (el) => el.getBoundingClientRect().top > innerHeight)
  t.equal(await count(), 3)
  // The handler appears on the container; its last item is in view: batches load until one ends below the fold.
  await act(page, 'scroll', { batch: 20 })
  await page.waitForFunction(() => {
    const last = document.querySelector('#posts > li:last-child')
    return last !== null && last.getBoundingClientRect().top > innerHeight
  })
  const filled = await count()
  t.ok(filled >= 23 && (filled - 3) % 20 === 0, `whole batches loaded (${filled} items)`)
  t.ok(await endBelowFold())
  await page.$eval('#posts > li:last-child', (el) => el.scrollIntoView())
  await page.waitForFunction((n) => document.querySelectorAll('#posts > li[id]').length >= n + 20, filled)
  const ids = await page.$$eval('#posts > li[id]', (els) => els.map((el) => el.id))
  t.equal(new Set(ids).size, ids.length, 'no item twice')
  t.same(ids.slice(3, 6), ['posts-100', 'posts-101', 'posts-102'], 'in the order loaded')
})

t.test('live-viewport-top loads newer items while the first item is in view', async (t) => {
  const page = await open()
  await act(page, 'top', {})
  // The first item is in view: newer posts come on top, three batches, then there are no more.
  await page.waitForFunction(() => document.querySelectorAll('#posts > li[id]').length === 9)
  t.same((await items(page)).map((s) => s.split(':')[0]), ['1005', '1006', '1003', '1004', '1001', '1002', '1', '2', '3'])
})

t.test('a reconnect that mounts the view anew resets the stream to what mount streamed', async (t) => {
  // maxParkedBytes: 1: no view is parked, so the rejoin runs mount() again.
  const { app, url: fresh } = await serve(t, [['/posts', PostsView]], { maxParkedBytes: 1 })
  const page = await openChromiumPage(t, browser, `${fresh}/posts`)
  await act(page, 'stream', { ids: [7, 8], opts: { at: 0 } })
  await act(page, 'delete', { id: 2 })
  t.same(await items(page), ['7:post 7', '8:post 8', '1:post 1', '3:post 3'])
  for (const c of app.websocketServer.clients) c.terminate()
  await page.waitForFunction(() => document.querySelector('#n')?.textContent === '0')
  t.same(await items(page), ['1:post 1', '2:post 2', '3:post 3'], 'the items of the earlier mount are gone, the new mount\'s shown')
  t.equal(await emptyShown(page), false)
})

t.test('live-stream in a view that declares no streams is morphed like any element', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/undeclared`)
  await page.click('#drop')
  await page.waitForSelector('#p-1', { state: 'detached' })
  t.same(await page.$$eval('#plain > li', (els) => els.map((el) => el.id)), ['p-2', 'p-3'])
})

t.test('a container that comes in new HTML gets its operations applied too', async (t) => {
  const page = await open()
  await act(page, 'hide', {})
  t.equal(await page.$('#posts'), null)
  await act(page, 'reveal', { ids: [5, 6, 7], opts: { limit: 2 } })
  t.same(await items(page), ['5:post 5', '6:post 6'], 'its limit applied')
  t.equal(await emptyShown(page), false)
  t.equal(await page.$eval('#posts', (el) => el.hasAttribute('data-live-stream-ops')), false)
  await act(page, 'insert', { id: 8, opts: { at: 0 } })
  t.same(await items(page), ['8:post 8', '5:post 5', '6:post 6'], 'and it is a stream from then on')
})
