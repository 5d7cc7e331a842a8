import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { quietUntil, sent, texts } from '../helpers/policy.js'
import { advance, openPausedPage } from '../helpers/page-clock.js'
import { DebounceView, calls, resetCalls } from '../fixtures/policy-views.js'

// A pending debounce never outlives its field's focus or its form's submit:
// leaving the field sends it at once; submitting sends the form's pending
// inputs first (in order) and cancels them, so nothing arrives after the
// submit. `live-debounce="blur"` sends only when the field is left.

const browser = await launchBrowser(t)
t.beforeEach(() => resetCalls())

async function open (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/debounce', DebounceView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/debounce`)
}

/** The same page with its clock paused (page-clock.ts): page timers fire only when the test moves time. */
async function openPaused (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/debounce', DebounceView]], { debug: false })
  return await openPausedPage(t, browser, `${url}/debounce`)
}

t.test('leaving a field sends its pending debounce at once', async (t) => {
  const page = await openPaused(t)
  await page.focus('#slow')
  await page.keyboard.type('abc')
  t.same(await sent(page), [], 'typing alone sends nothing before the handler\'s 1500 ms')
  // The page's clock stands still: only the blur itself can send now.
  await page.keyboard.press('Tab')
  await page.waitForSelector('#log li')
  const [send] = await sent(page, 'slow')
  t.equal(send!.p.value, 'abc', 'sent on blur, with no page time passing, long before the wait was up')
  t.same(calls.map((c) => [c.h, c.p.value]), [['slow', 'abc']], 'the server ran it')
  t.same(await texts(page, '#log li'), ['slow abc'], 'the page shows the result')

  // The timer went with the flush: nothing more when the wait would have ended.
  await advance(page, 1500 + 100)
  t.equal((await sent(page, 'slow')).length, 1, 'no second send when the wait is up')
  t.same(calls.map((c) => [c.h, c.p.value]), [['slow', 'abc']], 'the server ran the handler once')
})

t.test('submitting a form first sends its pending inputs, in order, then the submit, and nothing after', async (t) => {
  const page = await open(t)
  await page.type('#title', 'Hello', { delay: 20 })
  // Another field filled by a script (autofill, a date picker) while the title keeps focus.
  await page.evaluate(() => {
    const body = document.getElementById('body') as HTMLInputElement
    body.value = 'World'
    body.dispatchEvent(new InputEvent('input', { bubbles: true }))
  })
  t.same(await sent(page), [], 'both drafts are pending')
  await page.press('#title', 'Enter')
  await page.waitForFunction(() => document.querySelector('#saved')!.textContent === 'saved Hello / World')
  const submitted = (await userEvents(page, 'submit'))[0]!

  const sends = await sent(page)
  t.same(sends.map((s) => [s.h, s.p]), [
    ['draft', { field: 'title', value: 'Hello' }],
    ['draft', { field: 'body', value: 'World' }],
    ['save', { title: 'Hello', body: 'World' }],
  ], 'the pending inputs left first, in the order they were typed, then the submit')
  t.ok(sends.every((s) => s.seq < submitted.nextTask), 'all of them at the submit, in its task')
  t.same(calls.map((c) => c.h), ['draft', 'draft', 'save'], 'the server ran them in that order')
  t.same(calls[2]!.p.drafts, { title: 'Hello', body: 'World' }, 'so the submit handler saw the latest drafts')

  const lastInput = (await userEvents(page, 'input')).at(-1)!
  await quietUntil(page, 1500 + 150, lastInput.mono)
  t.equal((await sent(page)).length, 3, 'no late draft after the submit')
  t.equal(calls.length, 3, 'the server ran nothing more')
  t.same(await texts(page, '#log li'), ['draft title Hello', 'draft body World'])
  t.equal(await page.textContent('#saved'), 'saved Hello / World')
})

t.test('live-debounce="blur" sends only when the field is left, and once', async (t) => {
  const page = await open(t)
  await page.type('#onblur', 'abc', { delay: 30 })
  const lastInput = (await userEvents(page, 'input', 'onblur')).at(-1)!
  // Well past the handler's own 200 ms: still nothing.
  await quietUntil(page, 200 + 300, lastInput.mono)
  t.same(await sent(page), [], 'typing alone sends nothing')
  t.same(calls, [])

  await page.click('#elsewhere')
  await page.waitForSelector('#log li')
  const [send] = await sent(page, 'note')
  t.same(send!.p, { field: 'onblur', value: 'abc' }, 'leaving the field sent the latest value')
  t.ok(send!.seq < (await userEvents(page, 'focusout', 'onblur'))[0]!.nextTask, 'at once, in the task of the blur')

  // Entering and leaving again without typing sends nothing more.
  await page.focus('#onblur')
  await page.click('#elsewhere')
  await quietUntil(page, 200 + 150)
  t.equal((await userEvents(page, 'focusout', 'onblur')).length, 2, 'the field was left twice')
  t.equal((await sent(page, 'note')).length, 1, 'but sent once')
  t.same(calls.map((c) => c.p), [{ field: 'onblur', value: 'abc' }], 'the server ran the handler once')
  t.same(await texts(page, '#log li'), ['note onblur abc'])
})
