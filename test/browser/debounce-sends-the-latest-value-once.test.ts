import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { quietUntil, sent, SLACK, texts, waitSent } from '../helpers/policy.js'
import { advance, openPausedPage, typeEvery } from '../helpers/page-clock.js'
import { DebounceView, calls, callsOf, resetCalls } from '../fixtures/policy-views.js'

// @debounce in the browser: one send per burst, with the latest params, `wait`
// ms after the last event; timers per (element, handler); `maxWait` caps how
// long a stream is held back; `live-debounce` on an element overrides.
// Times are the page's: when the user typed and when the frame left (`mono`).
// Where a test asserts how long a policy waited, the page's clock is paused
// (page-clock.ts) and the test moves it, so the wait is exact and no
// wall-clock upper bound is needed; elsewhere only lower bounds are asserted.

const browser = await launchBrowser(t)
t.beforeEach(() => resetCalls())

async function open (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/debounce', DebounceView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/debounce`)
}

/** The same page with its clock paused (page-clock.ts): the test moves time. */
async function openPaused (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/debounce', DebounceView]], { debug: false })
  return await openPausedPage(t, browser, `${url}/debounce`)
}

/**
 * Types into elements from inside the page, one step every `every` ms, as a
 * script (or a fast user) would, without moving focus: each step sets the
 * field's value and dispatches a bubbling `input` event. Steps are chained
 * page timers, so they keep their order against the bundle's own timers.
 */
async function typeInPage (page: Page, steps: Array<[id: string, value: string]>, every: number): Promise<void> {
  await page.evaluate(([steps, every]) => new Promise<void>((resolve) => {
    let k = 0
    const step = (): void => {
      const [id, value] = steps[k++]!
      const el = document.getElementById(id) as HTMLInputElement
      el.value = value
      el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }))
      if (k < steps.length) setTimeout(step, every)
      else resolve()
    }
    step()
  }), [steps, every] as const)
}

t.test('each keystroke restarts the timer: one send, with the latest value, wait ms after the last keystroke', async (t) => {
  const page = await openPaused(t)
  await page.focus('#q')
  // 60 ms apart on the page's clock: the word takes 480 ms, longer than wait,
  // so a timer that was not restarted would have fired mid-word.
  await typeEvery(page, 'debounced', 60)
  const typed = await userEvents(page, 'input', 'q')
  t.equal(typed.length, 9)
  t.same(await sent(page), [], 'nothing was sent mid-word')
  await advance(page, 299)
  t.same(await sent(page), [], 'nor before wait ms had passed since the last keystroke')
  await advance(page, 1)
  const sends = await sent(page, 'search')
  t.same(sends.map((s) => s.p.value), ['debounced'], 'then the page sent the latest value, once')
  t.equal(sends[0]!.mono - typed.at(-1)!.mono, 300, 'wait ms after the last keystroke, by the page\'s clock')
  await page.waitForSelector('#log li')
  await advance(page, 1000)
  t.equal((await sent(page)).length, 1, 'and nothing after')
  t.same(calls.map((c) => [c.h, c.p.value]), [['search', 'debounced']], 'the server ran the handler once')
  t.same(await texts(page, '#log li'), ['search debounced'], 'the page shows what the server rendered')
})

t.test('two elements with the same handler keep separate timers and values', async (t) => {
  const page = await open(t)
  // a and b interleaved; a stops after 3 steps, b goes on for 7 more.
  const steps: Array<[string, string]> = []
  for (let k = 1; k <= 10; k++) {
    if (k <= 3) steps.push(['a', 'alpha'.slice(0, k + 2)])
    steps.push(['b', 'bravo-bravo'.slice(0, k + 1)])
  }
  await typeInPage(page, steps, 50)
  await waitSent(page, 2, 'find')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)

  const inA = await userEvents(page, 'input', 'a')
  const inB = await userEvents(page, 'input', 'b')
  const [sendA, sendB, ...more] = await sent(page, 'find')
  t.same(more, [])
  t.same(sendA!.p, { field: 'a', value: 'alpha' }, 'a sent its own latest value')
  t.same(sendB!.p, { field: 'b', value: 'bravo-bravo' }, 'b sent its own latest value')
  t.ok(sendA!.mono >= inA.at(-1)!.mono + 300 - SLACK, 'a waited wait ms after its own last input')
  t.ok(sendA!.mono < inB.at(-1)!.mono, 'and did not wait for b, which was still being typed into')
  t.ok(sendB!.mono >= inB.at(-1)!.mono + 300 - SLACK)
  await quietUntil(page, 300 + 150, inB.at(-1)!.mono)
  t.same(calls.map((c) => c.p), [{ field: 'a', value: 'alpha' }, { field: 'b', value: 'bravo-bravo' }], 'the server ran find once per element')
  t.same(await texts(page, '#log li'), ['find a alpha', 'find b bravo-bravo'])
})

t.test('two handlers on one element keep separate timers: input and keyup both send once', async (t) => {
  const page = await open(t)
  await page.type('#k', 'xyz', { delay: 40 })
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)
  const lastKeyup = (await userEvents(page, 'keyup', 'k')).at(-1)!
  await quietUntil(page, 300 + 150, lastKeyup.mono)

  t.same((await sent(page)).map((s) => [s.h, s.p]), [
    ['find', { field: 'k', value: 'xyz' }],
    ['keys', { field: 'k', value: 'xyz', key: 'z' }],
  ], 'one send per handler, each with its latest params')
  t.same(calls.map((c) => c.h).sort(), ['find', 'keys'], 'the server ran each handler once')
  t.same(callsOf('keys')[0]!.p, { field: 'k', value: 'xyz', key: 'z' })
  t.same((await texts(page, '#log li')).sort(), ['find k xyz', 'keys k z xyz'])
})

t.test('with maxWait, a continuous stream still sends at least every maxWait ms', async (t) => {
  const page = await openPaused(t)
  await page.focus('#stream')
  // A key every 70 ms of the page's clock (below wait, 250), for 1610 ms: without
  // maxWait nothing would leave until the end. (70 does not divide 600, so no
  // key falls on the very millisecond of a send.)
  const text = 'a steady stream of keys!'
  await typeEvery(page, text, 70)
  await advance(page, 600)
  await page.waitForFunction((text) => document.querySelector('#log li:last-child')?.textContent === `flow ${text}`, text)

  const typed = await userEvents(page, 'input', 'stream')
  const sends = await sent(page, 'flow')
  t.equal(typed.at(-1)!.mono - typed[0]!.mono, 23 * 70, 'the stream lasted several maxWait')
  t.equal(sends[0]!.mono - typed[0]!.mono, 600, 'the first send left maxWait after the stream began, though keys kept coming')
  // The send that carried a keystroke is the first whose value includes it.
  const delays = typed.map((u) => (sends.find((s) => String(s.p.value).length >= u.value!.length)?.mono ?? Infinity) - u.mono)
  t.ok(Math.max(...delays) <= 600, `no keystroke was held back longer than maxWait, by the page's clock (at most ${Math.max(...delays)} ms)`)
  t.ok(sends.length >= 3, `the stream was sent in several parts (${sends.length})`)
  t.same(sends.map((s) => s.p.value), sends.map((s) => typed.filter((u) => u.mono <= s.mono).at(-1)!.value), 'each send carries the latest value')
  t.equal(sends.at(-1)!.p.value, text)
  t.same(calls.map((c) => c.p.value), sends.map((s) => s.p.value), 'the server received each send once, in order')
  t.same(await texts(page, '#log li'), sends.map((s) => `flow ${s.p.value}`))
})

t.test('live-debounce="0" sends every input at once, overriding the handler\'s wait', async (t) => {
  const page = await open(t)
  await page.type('#zero', 'xyz', { delay: 100 })
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 3)
  const typed = await userEvents(page, 'input', 'zero')
  const sends = await sent(page, 'note')
  t.same(sends.map((s) => s.p.value), ['x', 'xy', 'xyz'], 'every input was sent')
  sends.forEach((s, k) => t.ok(s.seq < typed[k]!.nextTask, `"${s.p.value}" left at once, in the task of its input, not after the handler's 200 ms`))
  t.same(calls.map((c) => c.p.value), ['x', 'xy', 'xyz'])
  t.same(await texts(page, '#log li'), ['note zero x', 'note zero xy', 'note zero xyz'])
})

t.test('live-debounce="600" replaces the handler\'s wait for that element', async (t) => {
  const page = await open(t)
  await page.type('#long', 'ab', { delay: 20 })
  await page.waitForSelector('#log li')
  const last = (await userEvents(page, 'input', 'long')).at(-1)!
  const [send, ...more] = await sent(page, 'note')
  t.same(more, [])
  t.equal(send!.p.value, 'ab')
  t.ok(send!.mono - last.mono >= 600 - SLACK, `sent 600 ms after the last input, not the handler's 200 (${send!.mono - last.mono} ms)`)
  t.same(calls.map((c) => c.p), [{ field: 'long', value: 'ab' }])
  t.same(await texts(page, '#log li'), ['note long ab'])
})
