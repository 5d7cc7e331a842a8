import t from 'tap'
import type { Page } from 'playwright-core'
import { CACHE_MAX } from '../../browser/constants.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { clickAndRead, clickInTurn, sent, texts, waitAnswered, waitReconnected } from '../helpers/policy.js'
import { CacheParentView, CacheView, resetCalls, resetRuns, runs, shows } from '../fixtures/policy-views.js'

// The browser keeps @cache results per live root, in an LRU of CACHE_MAX
// entries, and forgets them when the view is mounted again (its snapshots
// went with the old server view).

const browser = await launchBrowser(t)
t.beforeEach(() => {
  resetCalls()
  resetRuns()
})

async function open (t: Tap.Test, path = '/cache') {
  const { app, url } = await serve(t, [['/cache', CacheView], ['/nested', CacheParentView]], { debug: false })
  return { app, page: await openChromiumPage(t, browser, `${url}${path}`) }
}

const hits = async (page: Page): Promise<boolean[]> => (await sent(page, 'show')).map((s) => s.hit !== undefined)

t.test('entries are per view: the same handler and key in another view is a miss', async (t) => {
  const { page } = await open(t, '/nested')
  await clickInTurn(page, ['p-show-2'])
  t.same(await clickAndRead(page, 'c-show-2', ['#c-page']), ['page=0'], 'the embedded view\'s same call shows nothing at once')
  await waitAnswered(page)
  t.same(await texts(page, '#p-page, #c-page'), ['page=2', 'page=2'])
  t.same(shows, [{ view: 'p-', page: '2' }, { view: 'c-', page: '2' }], 'the server ran show in each view')

  await clickInTurn(page, ['p-show-3', 'c-show-3'])
  t.same(await clickAndRead(page, 'p-show-2', ['#p-result', '#c-result']), ['page 2 from run 1', 'page 3 from run 4'], 'a repeat in the parent shows the parent\'s entry, and only there')
  await waitAnswered(page)
  t.same(await clickAndRead(page, 'c-show-2', ['#p-result', '#c-result']), ['page 2 from run 1', 'page 2 from run 2'], 'a repeat in the child shows the child\'s entry')
  await waitAnswered(page)
  t.equal(runs.show, 4, 'neither repeat ran the handler')
  t.same(await hits(page), [false, false, false, false, true, true])
})

t.test(`entries are bounded: the least recently used of ${CACHE_MAX} goes first`, async (t) => {
  const { page } = await open(t)
  const show = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `show-${from + k}`)
  // Use page 1 again while the server still has its snapshot (a restored hit
  // stores nothing new), so only the lookup itself makes it recently used.
  await clickInTurn(page, show(1, 10))
  t.same(await clickAndRead(page, 'show-1', ['#result']), ['page 1 from run 1'])
  await waitAnswered(page)
  await clickInTurn(page, show(11, CACHE_MAX))
  t.equal(runs.show, CACHE_MAX, `${CACHE_MAX} entries, page 2 the least recently used`)
  await clickInTurn(page, [`show-${CACHE_MAX + 1}`])

  t.same(await clickAndRead(page, 'show-1', ['#result']), ['page 1 from run 1'], 'the recently used entry is kept, though it was stored first')
  await waitAnswered(page)
  const before = await texts(page, '#result')
  t.same(await clickAndRead(page, 'show-2', ['#result']), before, 'the least recently used entry was dropped: nothing at once')
  await waitAnswered(page)
  t.same(await texts(page, '#page'), ['page=2'])
  const sends = await sent(page, 'show')
  t.same(sends.filter((s) => s.hit !== undefined).map((s) => s.p.page), ['1', '1'], 'only the repeats of page 1 went as hits')
  t.same(sends.slice(-3).map((s) => [s.p.page, s.hit !== undefined]), [[String(CACHE_MAX + 1), false], ['1', true], ['2', false]])
  t.equal(shows.at(-1)!.page, '2', 'the server ran the miss')
})

t.test('entries are dropped when the view is mounted again', async (t) => {
  const { app, page } = await open(t)
  await clickInTurn(page, ['show-2', 'show-3'])
  // closed with a code (not dropped, which parks the view for its rejoin to resume): the view ends
  for (const client of app.websocketServer.clients) client.close(1001)
  await waitReconnected(page)
  // The server mounted the view again (a fresh page=0) and the page shows it.
  await page.waitForFunction(() => document.querySelector('#page')!.textContent === 'page=0')

  t.same(await clickAndRead(page, 'show-2', ['#page', '#result']), ['page=0', 'none'], 'the old entry is not shown')
  await waitAnswered(page)
  t.same(await texts(page, '#page, #result'), ['page=2', 'page 2 from run 3'], 'the server ran the handler')
  t.same(await hits(page), [false, false, false], 'and the page did not send it as a hit')
  t.same(shows.map((s) => s.page), ['2', '3', '2'])

  // The new view's own results are cached as usual.
  await clickInTurn(page, ['show-4'])
  t.same(await clickAndRead(page, 'show-2', ['#result']), ['page 2 from run 3'])
  await waitAnswered(page)
  t.equal(runs.show, 4)
})
