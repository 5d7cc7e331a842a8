import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { answerTo, clickAndRead, clickInTurn, received, sent, texts, waitAnswered, waitSent } from '../helpers/policy.js'
import { BoardView, resetRuns, runs } from '../fixtures/cache-board.js'

// The task board of issue 18: a cached filter over shared data. A hit shows
// the stored render at once; the server puts back only what the filter
// assigned (filter, visible) and, when its render differs from the stored
// one, the reply carries it, so the page shows the server's state after one
// round trip. A task added by another handler drops the stored filters
// (here and in the browser), so the next filter shows it.

const browser = await launchBrowser(t)
t.beforeEach(() => resetRuns())

const SHOWN = ['#filter', '#visible', '#count', '#ticks']

async function open (t: Tap.Test): Promise<Page> {
  const { url } = await serve(t, [['/board', BoardView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/board`)
}

const hits = async (page: Page): Promise<boolean[]> => (await sent(page, 'show')).map((s) => s.hit !== undefined)

async function addTask (page: Page, title: string): Promise<void> {
  const before = (await sent(page, 'add')).length
  await page.fill('#title', title)
  await page.click('#add')
  await waitSent(page, before + 1, 'add')
  await waitAnswered(page)
}

t.test('a task added after a filter was cached shows up on the next filter', async (t) => {
  const page = await open(t)
  await clickInTurn(page, ['show-open', 'show-all'])
  t.same(await clickAndRead(page, 'show-open', SHOWN), ['filter=open', 'test', '2 tasks', 'ticks=0'], 'a cached filter shows at once')
  await waitAnswered(page)
  await clickInTurn(page, ['show-all'])
  t.equal(runs.show, 2, 'both were hits')

  await addTask(page, 'deploy')
  t.same(await texts(page, SHOWN.join(', ')), ['filter=all', 'writetestdeploy', '3 tasks', 'ticks=0'])
  t.same(await clickAndRead(page, 'show-open', SHOWN), ['filter=all', 'writetestdeploy', '3 tasks', 'ticks=0'],
    'the stored open filter was dropped with the add: nothing stale is shown at once')
  await waitAnswered(page)
  t.same(await texts(page, SHOWN.join(', ')), ['filter=open', 'testdeploy', '3 tasks', 'ticks=0'], 'the new task is in the filter')
  t.equal(runs.show, 3, 'the server ran the filter')
  await clickInTurn(page, ['show-all'])
  t.same(await texts(page, SHOWN.join(', ')), ['filter=all', 'writetestdeploy', '3 tasks', 'ticks=0'])
  t.equal(runs.show, 4)
  t.same(await clickAndRead(page, 'show-open', SHOWN), ['filter=open', 'testdeploy', '3 tasks', 'ticks=0'], 'the fresh result is cached again')
  await waitAnswered(page)
  t.equal(runs.show, 4)
  t.same(await hits(page), [false, false, true, true, false, false, true])

  // A @background handler's end drops them too (told with its patch).
  await page.click('#slowly')
  await page.waitForFunction(() => document.querySelector('#note')!.textContent === 'note=slowly')
  t.same(await clickAndRead(page, 'show-all', ['#filter']), ['filter=open'], 'dropped: nothing at once')
  await waitAnswered(page)
  t.equal(runs.show, 5)
  t.same((await received(page)).filter((f) => f.t === 'error'), [], 'no errors on the way')
})

t.test('a hit does not reset what the filter never touches, and the page converges to the server\'s render in one round trip', async (t) => {
  const page = await open(t)
  await clickInTurn(page, ['show-done', 'show-all'])
  await page.click('#tick') // the tick lands from a task, outside any handler
  await page.waitForFunction(() => document.querySelector('#ticks')!.textContent === 'ticks=1')

  t.same(await clickAndRead(page, 'show-done', SHOWN), ['filter=done', 'write', '2 tasks', 'ticks=0'], 'the stored render, at once')
  await waitAnswered(page)
  const hit = (await sent(page, 'show')).at(-1)!
  const answer = (await answerTo(page, hit))!
  t.equal(answer.snap, hit.hit, 'the server put that result back')
  t.equal(runs.show, 2, 'without running the filter')
  t.match(answer.html, /ticks=1/, 'and sent its own render, which differs')
  t.same(await texts(page, SHOWN.join(', ')), ['filter=done', 'write', '2 tasks', 'ticks=1'], 'ticks was not rolled back')

  await clickInTurn(page, ['show-all'])
  t.same(await texts(page, SHOWN.join(', ')), ['filter=all', 'writetest', '2 tasks', 'ticks=1'])
  t.same(await clickAndRead(page, 'show-done', SHOWN), ['filter=done', 'write', '2 tasks', 'ticks=1'], 'the stored render took the server\'s: right at once now')
  await waitAnswered(page)
  const again = (await sent(page, 'show')).at(-1)!
  t.equal((await answerTo(page, again))!.html, undefined, 'nothing to send')
  t.equal(runs.show, 2)
  await addTask(page, 'ship') // renders from the restored state

  t.same(await texts(page, SHOWN.join(', ')), ['filter=done', 'write', '3 tasks', 'ticks=1'])
})
