import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { advance, openPausedPage } from '../helpers/page-clock.js'
import { OptimisticView, record } from '../fixtures/optimistic-views.js'
import { atSend, installProbes, press, probe, snap } from '../helpers/ui-optimistic.js'

// When an @optimistic handler throws (handler_error) or is refused
// (forbidden), the browser undoes exactly what its actions changed, and the
// root wears live-optimistic-error for 2 s.

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/opt', OptimisticView]])

t.beforeEach(() => {
  record.calls = []
  record.gates = {}
})

/** Errors (with the time they arrived) and every change of the root's live-optimistic-error class. */
/** The view's page (with `query`), its wire recorded, the optimistic probes in place and the root watched. */
async function openProbed (t: Test, query: string): Promise<Page> {
  const page = await openChromiumPage(t, browser, `${url}/opt${query}`)
  await installProbes(page)
  await watchRoot(page)
  return page
}

async function watchRoot (page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as any
    const root = document.querySelector('[data-live-root]')!
    w.__errors = []
    w.__flag = []
    root.addEventListener('live:error', (e) => w.__errors.push({
      at: performance.now(), flagged: root.classList.contains('live-optimistic-error'), ...(e as CustomEvent).detail,
    }))
    new MutationObserver(() => {
      const on = root.classList.contains('live-optimistic-error')
      if ((w.__flag.at(-1)?.on ?? false) !== on) w.__flag.push({ on, at: performance.now() })
    }).observe(root, { attributes: true, attributeFilter: ['class'] })
  })
}

const errorCount = async (page: Page, n: number) =>
  await page.waitForFunction((n) => (window as any).__errors.length === n, n)

async function noMarksLeft (t: Test, page: Page): Promise<void> {
  t.equal(await page.$$eval('.live-pending, [aria-busy]', (els) => els.length), 0, 'no element is left pending')
}

t.test('after handler_error each action kind is undone, leaving the element as it was', async (t) => {
  const page = await openProbed(t, '?fail=1')
  const ids = ['add', 'remove', 'toggle-on', 'toggle-off', 'set', 'set-new', 'unset', 'text', 'hide', 'show', 'many']
  for (const [k, id] of ids.entries()) {
    const before = await snap(page, id)
    await probe(page, id)
    await press(page, id)
    t.notSame((await atSend(page)).atSend, before, `${id}: changed when the frame left`)
    await errorCount(page, k + 1)
    t.same(await snap(page, id), before, `${id}: exactly as before`)
  }
  t.match(await page.evaluate(() => (window as any).__errors), ids.map(() => ({ code: 'handler_error', handler: 'act' })))
  t.equal(await page.textContent('#n'), String(ids.length), 'each call ran and threw')
  await noMarksLeft(t, page)
})

t.test('a class the element already had stays when the action that "added" it fails', async (t) => {
  const page = await openProbed(t, '?fail=1')
  await probe(page, 'add-had')
  t.same((await snap(page, 'add-had')).classes, ['done', 'item'])
  await page.click('#add-had')
  t.same((await atSend(page)).atSend.classes, ['done', 'item'])
  await errorCount(page, 1)
  t.same((await snap(page, 'add-had')).classes, ['done', 'item'], 'not removed by the undo: the action did not add it')
})

t.test('after an error the undo returns to the server\'s latest render, not a stale copy', async (t) => {
  const page = await openProbed(t, '?fail=1')
  await probe(page, 'count')
  await page.click('#count')
  t.match((await atSend(page)).atSend, { html: '…', attrs: { 'data-n': 'pending' } })
  await errorCount(page, 1)
  // The handler counted the call before throwing; that render arrived while the change was applied.
  t.match(await snap(page, 'count'), { html: 'Count 1', attrs: { 'data-n': '1' } })
})

t.test('after an error a checkbox, a text field, a select and a textarea return to the server\'s values', async (t) => {
  const page = await openProbed(t, '?fail=1')

  await probe(page, 'box')
  await page.click('#box')
  t.equal((await atSend(page)).atSend.checked, true)
  await errorCount(page, 1)
  t.equal(await page.isChecked('#box'), false, 'unticked again')

  await probe(page, 'name')
  await page.fill('#name', 'grace')
  await page.focus('#pick')
  t.equal((await atSend(page)).atSend.value, 'grace')
  await errorCount(page, 2)
  t.equal(await page.inputValue('#name'), 'ada')

  await probe(page, 'pick')
  await page.selectOption('#pick', 'y')
  t.equal((await atSend(page)).atSend.value, 'y')
  await errorCount(page, 3)
  t.equal(await page.inputValue('#pick'), 'x')

  await probe(page, 'note')
  await page.fill('#note', 'second draft')
  await page.focus('#name')
  t.equal((await atSend(page)).atSend.value, 'second draft')
  await errorCount(page, 4)
  t.equal(await page.inputValue('#note'), 'first draft')

  t.same(record.calls.map((c) => c.params), [
    { field: 'agreed', value: true }, { field: 'name', value: 'grace' }, { field: 'pick', value: 'y' }, { field: 'note', value: 'second draft' },
  ], 'the server received the user\'s values')
  await noMarksLeft(t, page)
})

t.test('a control whose handler changed its field before throwing shows the server\'s new value', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/opt`)
  await watchRoot(page)
  await page.click('#box-late')
  await errorCount(page, 1)
  // The render before the error carries agreed=true: that is what the page must show, in both boxes.
  t.equal(await page.isChecked('#box'), true, 'the other box bound to the field')
  t.equal(await page.isChecked('#box-late'), true, 'the box that was undone')

  await page.fill('#name-late', 'grace')
  await page.focus('#pick')
  await errorCount(page, 2)
  t.equal(await page.inputValue('#name'), 'grace')
  t.equal(await page.inputValue('#name-late'), 'grace')

  await page.selectOption('#pick-late', 'y')
  await errorCount(page, 3)
  t.equal(await page.inputValue('#pick'), 'y')
  t.equal(await page.inputValue('#pick-late'), 'y')

  await page.fill('#note-late', 'second draft')
  await page.focus('#name')
  await errorCount(page, 4)
  t.equal(await page.inputValue('#note'), 'second draft')
  t.equal(await page.inputValue('#note-late'), 'second draft')
  t.match(await page.evaluate(() => (window as any).__errors), Array(4).fill({ code: 'handler_error' }))
})

t.test('a forbidden call is undone the same way, and its handler never runs', async (t) => {
  const page = await openProbed(t, '?h=guarded')
  const before = await snap(page, 'many')
  await probe(page, 'many')
  await page.click('#many')
  t.match((await atSend(page)).atSend, { classes: ['item', 'one', 'two'], html: 'On' })
  await errorCount(page, 1)
  t.match(await page.evaluate(() => (window as any).__errors), [{ code: 'forbidden', handler: 'guarded' }])
  t.same(await snap(page, 'many'), before)

  await probe(page, 'box')
  await page.click('#box')
  t.equal((await atSend(page)).atSend.checked, true)
  await errorCount(page, 2)
  t.equal(await page.isChecked('#box'), false)
  t.same(record.calls, [], 'the handler never ran')
  t.equal(await page.textContent('#n'), '0')
  await noMarksLeft(t, page)
})

t.test('the root wears live-optimistic-error for 2 s after a failed optimistic call', async (t) => {
  // The page's clock is paused (page-clock.ts): the class comes off only when the test moves time.
  const page = await openPausedPage(t, browser, `${url}/opt?h=guarded`)
  await watchRoot(page)
  await page.click('#add')
  await errorCount(page, 1)
  const [error] = await page.evaluate(() => (window as any).__errors)
  t.ok(error.flagged, 'already on when live:error was dispatched')
  await advance(page, 1999)
  t.same(await page.evaluate(() => (window as any).__flag.map((f: { on: boolean }) => f.on)), [true], 'still on just before 2 s')
  await advance(page, 1)
  await page.waitForFunction(() => (window as any).__flag.length === 2)
  const [on, off] = await page.evaluate(() => (window as any).__flag)
  t.ok(on.on && !off.on, 'then off')
  t.equal(off.at - on.at, 2000, 'after 2 s, by the page\'s clock')
})

t.test('a successful optimistic call never sets live-optimistic-error', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/opt`)
  await watchRoot(page)
  await page.click('#add')
  await page.waitForFunction(() => document.getElementById('n')!.textContent === '1')
  t.same(await page.evaluate(() => (window as any).__flag), [])
  t.same(await page.evaluate(() => (window as any).__errors), [])
  t.notOk(await page.$eval('[data-live-root]', (r) => r.classList.contains('live-optimistic-error')))
})
