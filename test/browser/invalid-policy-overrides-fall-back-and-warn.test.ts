import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { quietUntil, sent, SLACK, texts } from '../helpers/policy.js'
import { advance, openPausedPage, typeEvery } from '../helpers/page-clock.js'
import { OverrideView, calls, resetCalls } from '../fixtures/policy-views.js'

// An element's live-debounce / live-throttle must be whole milliseconds
// (live-debounce: ≥ 0, or "blur"; live-throttle: ≥ 1, below 2^31). Anything
// else is ignored, so the handler's own policy applies, and the bundle warns
// once per element and attribute. A valid value replaces only the timing: the
// handler's maxWait (never shorter than the element's wait) and its
// leading/trailing stay.

const browser = await launchBrowser(t)
t.beforeEach(() => resetCalls())

interface Warning { text: string, id: string | undefined }

/** The page, recording its traffic and every console.warn (its text and the element it names). */
async function open (t: Test, { paused = false } = {}): Promise<Page> {
  const { url } = await serve(t, [['/overrides', OverrideView]], { debug: true })
  // paused: the page's clock stands still until the test moves it (page-clock.ts), so waits are exact
  const page = paused ? await openPausedPage(t, browser, `${url}/overrides`) : await openChromiumPage(t, browser, `${url}/overrides`)
  // The bundle looks console.warn up when it warns, which is only ever on an event.
  await page.evaluate(() => {
    const w = window as any
    w.__warns = []
    const warn = console.warn
    console.warn = (...args: unknown[]) => {
      w.__warns.push({
        text: args.filter((a) => typeof a === 'string').join(' '),
        id: (args.find((a) => a instanceof Element) as Element | undefined)?.id,
      })
      warn.apply(console, args)
    }
  })
  return page
}

async function warnings (page: Page): Promise<Warning[]> {
  return await page.evaluate(() => (window as any).__warns)
}

/** Sets each field's value and dispatches `input` on it, all in one task; resolves with how many frames left in that task. */
async function inputAll (page: Page, steps: Array<[id: string, value: string]>): Promise<number> {
  return await page.evaluate((steps) => {
    const w = window as any
    const before = w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length
    for (const [id, value] of steps) {
      const el = document.getElementById(id) as HTMLInputElement
      el.value = value
      el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }))
    }
    return w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length - before
  }, steps)
}

/** Clicks `id` `n` times in one task, each click carrying data-n = 1, 2, ...; resolves with how many frames left in that task. */
async function clickBurst (page: Page, id: string, n: number): Promise<number> {
  return await page.evaluate(([id, n]) => {
    const w = window as any
    const before = w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length
    const el = document.getElementById(id)!
    for (let k = 1; k <= n; k++) {
      el.dataset.n = String(k)
      el.click()
    }
    return w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length - before
  }, [id, n] as const)
}

const BAD_DEBOUNCE: Array<[id: string, value: string]> = [['abc', 'abc'], ['neg', '-5'], ['frac', '1.5'], ['unit', '300ms'], ['empty', '']]

t.test('an invalid live-debounce is ignored with one warning: the handler\'s wait applies', async (t) => {
  const page = await open(t, { paused: true })
  const ids = BAD_DEBOUNCE.map(([id]) => id)
  // Two rounds of input, 100 ms apart on the page's clock.
  const round = async (k: number): Promise<number> => await inputAll(page, ids.map((id) => [id, `${id}-${k}`]))
  const first = await round(1)
  await advance(page, 100)
  t.same([first, await round(2)], [0, 0], 'nothing left at once, in either round')
  const second = (await userEvents(page, 'input')).at(-1)!
  await advance(page, 299)
  t.same(await sent(page), [], 'nothing before the handler\'s 300 ms since the last input')
  await advance(page, 1)

  const sends = await sent(page, 'search')
  t.same(sends.map((s) => s.p).sort((a, b) => String(a.field).localeCompare(String(b.field))),
    ids.map((id) => ({ field: id, value: `${id}-2` })).sort((a, b) => a.field.localeCompare(b.field)),
    'one send per element, with its latest value')
  for (const s of sends) t.equal(s.mono - second.mono, 300, `${s.p.field}: sent the handler's 300 ms after the last input, by the page's clock`)
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, ids.length)
  t.equal(calls.length, ids.length, 'the server ran the handler once per element')

  const warns = await warnings(page)
  t.same(warns.map((w) => w.id).sort(), [...ids].sort(), 'one warning per element, naming it, however many inputs')
  for (const [id, value] of BAD_DEBOUNCE) {
    const w = warns.find((w) => w.id === id)!
    t.ok(w.text.includes(`live-debounce="${value}"`), `#${id}: the warning names the attribute and its value: ${w.text}`)
    t.ok(w.text.includes('whole milliseconds ≥ 0 or "blur"'), `#${id}: and the accepted forms`)
    t.ok(w.text.includes('own policies apply'), `#${id}: and what applies instead`)
  }
})

t.test('an invalid live-debounce on a handler without a policy sends at once, with one warning', async (t) => {
  const page = await open(t)
  t.equal(await inputAll(page, [['soon', 's']]), 1, 'the input left in the same task, not after a timer')
  t.equal(await inputAll(page, [['soon', 'so']]), 1, 'and so did the next')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length === 2)
  t.same((await sent(page)).map((s) => [s.h, s.p.value]), [['plain', 's'], ['plain', 'so']])
  t.same(await texts(page, '#log li'), ['plain soon s', 'plain soon so'])
  const warns = await warnings(page)
  t.same(warns.map((w) => w.id), ['soon'], 'one warning for the element')
  t.ok(warns[0]!.text.includes('live-debounce="soon"'), warns[0]!.text)
})

t.test('a valid live-debounce replaces the wait and keeps the handler\'s maxWait', async (t) => {
  const page = await open(t, { paused: true })
  // A key every 75 ms of the page's clock (below the element's 400 ms wait) for
  // 1725 ms: only maxWait (700) can send before the end. (75 does not divide
  // 700, so no key falls on the very millisecond of a send.)
  const text = 'a steady stream of keys!'
  await page.focus('#longer')
  await typeEvery(page, text, 75)
  await advance(page, 700)
  await page.waitForFunction((text) => document.querySelector('#log li:last-child')?.textContent === `flow longer ${text}`, text)

  const typed = await userEvents(page, 'input', 'longer')
  const sends = await sent(page, 'flow')
  t.equal(typed.at(-1)!.mono - typed[0]!.mono, 23 * 75, 'the stream lasted several maxWait')
  t.equal(sends[0]!.mono - typed[0]!.mono, 700, 'the first send left the handler\'s maxWait after the stream began')
  // The send that carried a keystroke is the first whose value includes it.
  const delays = typed.map((u) => (sends.find((s) => String(s.p.value).length >= u.value!.length)?.mono ?? Infinity) - u.mono)
  t.ok(Math.max(...delays) <= 700, `no keystroke was held back longer than the handler's maxWait, by the page's clock (at most ${Math.max(...delays)} ms)`)
  t.ok(sends.length >= 3, `the stream was sent in several parts (${sends.length})`)
  t.same(sends.map((s) => s.p.value), sends.map((s) => typed.filter((u) => u.mono <= s.mono).at(-1)!.value), 'each send carries the latest value')
  t.same(calls.map((c) => c.p.value), sends.map((s) => s.p.value), 'the server received each send once, in order')

  // A single input waits the element's wait; one longer than maxWait is not cut short by it.
  resetCalls()
  const before = sends.length
  t.equal(await inputAll(page, [['longer', 'x'], ['longest', 'y']]), 0, 'nothing left at once')
  const input = (await userEvents(page, 'input')).at(-1)!
  await advance(page, 399)
  t.equal((await sent(page, 'flow')).length, before, 'nothing before the element\'s 400 ms')
  await advance(page, 1)
  const [short] = (await sent(page, 'flow')).slice(before)
  t.same(short?.p, { field: 'longer', value: 'x' }, 'live-debounce="400" sent 400 ms after its input, not the handler\'s 200')
  await advance(page, 599)
  t.equal((await sent(page, 'flow')).length, before + 1, 'live-debounce="1000" was not cut short by the handler\'s maxWait of 700')
  await advance(page, 1)
  const [, long] = (await sent(page, 'flow')).slice(before)
  t.same(long?.p, { field: 'longest', value: 'y' }, 'it sent when its own 1000 ms were up')
  t.same([short!.mono - input.mono, long!.mono - input.mono], [400, 1000], 'by the page\'s clock')
  await page.waitForFunction(() => document.querySelectorAll('#log li').length > 0 && document.querySelector('#log li:last-child')!.textContent === 'flow longest y')
  t.same(calls.map((c) => c.p), [{ field: 'longer', value: 'x' }, { field: 'longest', value: 'y' }], 'the server ran each once')
  t.same(await warnings(page), [], 'valid values warn about nothing')
})

t.test('an invalid live-throttle is ignored with one warning: the handler\'s interval applies', async (t) => {
  const page = await open(t, { paused: true })
  const bad: Array<[id: string, value: string]> = [['zero', '0'], ['junk', 'fast'], ['huge', '9999999999']]
  for (const [id] of bad) t.equal(await clickBurst(page, id, 5), 1, `#${id}: the first click left at once, the others were held back`)
  await advance(page, 299)
  t.equal((await sent(page, 'tick')).length, bad.length, 'nothing more before the handler\'s interval (300 ms) ended')
  await advance(page, 1)
  const sends = await sent(page, 'tick')
  for (const [id] of bad) {
    const mine = sends.filter((s) => s.p.field === id)
    t.same(mine.map((s) => s.p.n), ['1', '5'], `#${id}: leading, then the latest click as trailing`)
    t.equal(mine[1]!.mono - mine[0]!.mono, 300, `#${id}: one handler interval (300 ms) apart, by the page's clock`)
  }
  await advance(page, 1000)
  t.equal((await sent(page, 'tick')).length, 2 * bad.length, 'nothing more')
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, 2 * bad.length)
  t.equal(calls.length, 2 * bad.length, 'the server ran the handler once per send')

  // live-throttle="0" on a handler without a policy: no throttle at all.
  t.equal(await clickBurst(page, 'free', 3), 3, 'every click on #free left at once')
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, 2 * bad.length + 3)

  const warns = await warnings(page)
  t.same(warns.map((w) => w.id).sort(), ['free', 'huge', 'junk', 'zero'], 'one warning per element, however many clicks')
  for (const [id, value] of [...bad, ['free', '0']]) {
    const w = warns.find((w) => w.id === id)!
    t.ok(w.text.includes(`live-throttle="${value}"`), `#${id}: the warning names the attribute and its value: ${w.text}`)
    t.ok(w.text.includes('whole milliseconds ≥ 1)'), `#${id}: and the accepted forms`)
  }
})

t.test('a valid live-throttle replaces the interval and keeps the handler\'s leading: false', async (t) => {
  const page = await open(t)
  t.equal(await clickBurst(page, 'later', 5), 0, 'nothing left at once')
  const first = (await userEvents(page, 'click', 'later'))[0]!
  await page.waitForSelector('#log li')
  const [send] = await sent(page, 'late')
  t.equal(send!.p.n, '5', 'the one send carries the latest click')
  t.ok(send!.mono - first.mono >= 500 - SLACK, `at the end of the element's 500 ms interval, not the handler's 300 (${Math.round(send!.mono - first.mono)} ms)`)
  await quietUntil(page, 500 + 150, send!.mono)
  t.equal((await sent(page, 'late')).length, 1, 'and it is the only one')
  t.same(calls.map((c) => c.p.n), ['5'])
  t.same(await texts(page, '#log li'), ['late later 5'])
  t.same(await warnings(page), [], 'valid values warn about nothing')
})
