import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { quietUntil, sent, SLACK, texts, waitSent } from '../helpers/policy.js'
import { advance, openPausedPage } from '../helpers/page-clock.js'
import { ThrottleView, calls, resetCalls } from '../fixtures/policy-views.js'

// @throttle in the browser, with lodash's semantics: `leading` sends the first
// event at once; at most one send per interval; `trailing` sends the latest
// params when the interval ends (and that send starts a new interval). Key
// events are throttled per key. Sends are timed in the page (when the frame
// left), so network jitter cannot blur the intervals.

const browser = await launchBrowser(t)
t.beforeEach(() => resetCalls())

async function open (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/throttle', ThrottleView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/throttle`)
}

/** The same page with its clock paused (page-clock.ts): the test moves time, and asserts intervals exactly. */
async function openPaused (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/throttle', ThrottleView]], { debug: false })
  return await openPausedPage(t, browser, `${url}/throttle`)
}

/** Clicks `id` `n` times from inside the page, `every` ms apart (0: in one go), each click carrying data-n = 1, 2, ... */
async function clicks (page: Page, id: string, n: number, every: number): Promise<void> {
  await page.evaluate(async ([id, n, every]) => {
    for (let k = 1; k <= n; k++) {
      const el = document.getElementById(id)!
      el.dataset.n = String(k)
      el.click()
      if (every > 0) await new Promise((resolve) => setTimeout(resolve, every))
    }
  }, [id, n, every] as const)
}

t.test('leading sends the first event at once, then at most one send per interval', async (t) => {
  const page = await open(t)
  await clicks(page, 'tick', 30, 40)
  const clicked = await userEvents(page, 'click', 'tick')
  const lastClick = clicked.at(-1)!
  await quietUntil(page, 300 + 150, lastClick.mono)
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, (await sent(page)).length)

  const sends = await sent(page, 'tick')
  t.ok(sends[0]!.seq < clicked[0]!.nextTask, 'the first click left at once, in its own task')
  t.equal(sends[0]!.p.n, '1')
  for (let k = 1; k < sends.length; k++) {
    const gap = sends[k]!.mono - sends[k - 1]!.mono
    t.ok(gap >= 300 - SLACK, `send ${k + 1} came ${gap} ms after the one before: never two in one interval`)
    // A trailing send carries the latest click before it.
    t.equal(sends[k]!.p.n, clicked.filter((c) => c.mono <= sends[k]!.mono).length.toString(), 'with the latest params')
  }
  const span = lastClick.mono - clicked[0]!.mono
  t.ok(sends.length >= 3 && sends.length <= Math.floor(span / 300) + 2, `${sends.length} sends for ${clicked.length} clicks over ${span} ms`)
  t.equal(sends.at(-1)!.p.n, '30', 'the last click was not lost')
  t.same(calls.map((c) => c.p.n), sends.map((s) => s.p.n), 'the server ran the handler once per send')
  t.same(await texts(page, '#log li'), sends.map((s) => `tick ${s.p.n}`), 'and the page shows each')
})

t.test('trailing sends the latest params once when the interval ends', async (t) => {
  const page = await openPaused(t)
  // A slider dragged through five values at once.
  await page.evaluate(() => {
    const slider = document.getElementById('slider') as HTMLInputElement
    for (const v of ['10', '20', '30', '40', '50']) {
      slider.value = v
      slider.dispatchEvent(new InputEvent('input', { bubbles: true }))
    }
  })
  const [leading, ...held] = await sent(page, 'slide')
  t.equal(leading!.p.value, '10', 'the first value left at once')
  t.same(held, [], 'the others were held back')
  await advance(page, 399)
  t.equal((await sent(page, 'slide')).length, 1, 'until the interval ended')
  await advance(page, 1)
  const [, trailing] = await sent(page, 'slide')
  t.equal(trailing!.p.value, '50', 'the trailing send carries the latest value')
  t.equal(trailing!.mono - leading!.mono, 400, 'when the interval ended, by the page\'s clock')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)

  await advance(page, 1000)
  t.equal((await sent(page, 'slide')).length, 2, 'the trailing send is not repeated')
  t.same(calls.map((c) => c.p.value), ['10', '50'], 'the server got the first and the last value')
  t.same(await texts(page, '#log li'), ['slide 10', 'slide 50'])
})

t.test('a single event with leading and trailing sends once', async (t) => {
  const page = await open(t)
  await page.click('#tick')
  await page.waitForSelector('#log li')
  await quietUntil(page, 300 + 150, (await sent(page))[0]!.mono)
  t.equal((await sent(page, 'tick')).length, 1, 'no trailing repeat of the only event')
  t.equal(calls.length, 1, 'the server ran the handler once')
  t.same(await texts(page, '#log li'), ['tick'])
})

t.test('leading: false sends only the trailing event, with the latest params', async (t) => {
  // On the page's clock (page-clock.ts): "nothing at once" must not depend on
  // the test reading the page within the interval on a loaded machine.
  const page = await openPaused(t)
  await clicks(page, 'late', 5, 0)
  const first = (await userEvents(page, 'click', 'late'))[0]!
  t.same(await sent(page), [], 'nothing left at once')
  await advance(page, 299)
  t.same(await sent(page), [], 'nor before the interval ended')
  await advance(page, 1)
  await page.waitForSelector('#log li')
  const [send, ...more] = await sent(page, 'late')
  t.equal(send!.p.n, '5', 'the one send carries the latest click')
  t.equal(send!.mono - first.mono, 300, 'at the end of the interval, by the page\'s clock')
  await advance(page, 1000)
  t.same([...more, ...(await sent(page, 'late')).slice(1)], [], 'and it is the only one')
  t.same(calls.map((c) => c.p.n), ['5'])
  t.same(await texts(page, '#log li'), ['late 5'])

  // A single click is the trailing event of its own interval.
  await clicks(page, 'late', 1, 0)
  const single = (await userEvents(page, 'click', 'late')).at(-1)!
  await advance(page, 299)
  t.equal((await sent(page, 'late')).length, 1, 'a single click waits for its interval')
  await advance(page, 1)
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)
  const [, last] = await sent(page, 'late')
  t.equal(last!.p.n, '1')
  t.equal(last!.mono - single.mono, 300, 'a single click is sent when its interval ends, by the page\'s clock')
  await advance(page, 1000)
  t.equal((await sent(page, 'late')).length, 2, 'once')
  t.same(calls.map((c) => c.p.n), ['5', '1'])
})

t.test('a key is not held back by the throttle of another key', async (t) => {
  const page = await openPaused(t)
  await page.focus('#pad')
  // three keys in one instant of the page's clock: well within one interval
  await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('ArrowLeft')
  await page.keyboard.press('ArrowRight')
  t.same((await sent(page, 'move')).map((s) => s.p.key), ['ArrowLeft', 'ArrowRight'], 'ArrowRight left at once, before the page\'s clock moved, ahead of the held-back repeat')
  await advance(page, 799)
  t.equal((await sent(page, 'move')).length, 2, 'the repeated ArrowLeft waits for its interval')
  await advance(page, 1)
  const sends = await sent(page, 'move')
  t.same(sends.map((s) => s.p.key), ['ArrowLeft', 'ArrowRight', 'ArrowLeft'], 'and leaves when it ends')
  t.equal(sends[2]!.mono - sends[0]!.mono, 800, 'one interval after the first, by the page\'s clock')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 3)
  t.same(calls.map((c) => c.p.key), ['ArrowLeft', 'ArrowRight', 'ArrowLeft'], 'the server ran them in that order')
  t.same(await texts(page, '#log li'), ['move ArrowLeft', 'move ArrowRight', 'move ArrowLeft'])
})

t.test('live-throttle on an element throttles a handler that has no @throttle', async (t) => {
  const page = await open(t)
  await clicks(page, 'own', 5, 0)
  await waitSent(page, 2, 'plain')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)
  const [leading, trailing] = await sent(page, 'plain')
  t.equal(leading!.p.n, '1')
  t.equal(trailing!.p.n, '5')
  t.ok(trailing!.mono - leading!.mono >= 400 - SLACK, `one interval of 400 ms apart (${trailing!.mono - leading!.mono} ms)`)
  await quietUntil(page, 400 + 150, trailing!.mono)
  t.equal((await sent(page, 'plain')).length, 2, '5 clicks, 2 sends')
  t.same(calls.map((c) => c.p.n), ['1', '5'])
  t.same(await texts(page, '#log li'), ['plain 1', 'plain 5'])
})
