import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { quietUntil, sent, SLACK, texts, waitSent } from '../helpers/policy.js'
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
async function open (t: Test): Promise<Page> {
  const { url } = await serve(t, [['/overrides', OverrideView]], { debug: true })
  const page = await openChromiumPage(t, browser, `${url}/overrides`)
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
  const page = await open(t)
  const ids = BAD_DEBOUNCE.map(([id]) => id)
  // Two rounds of input, 100 ms apart on a page timer (so it fires before the
  // bundle's later-due timers, however loaded the machine).
  const left = await page.evaluate((ids) => new Promise<number[]>((resolve) => {
    const w = window as any
    const round = (k: number): number => {
      const before = w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length
      for (const id of ids) {
        const el = document.getElementById(id) as HTMLInputElement
        el.value = `${id}-${k}`
        el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText' }))
      }
      return w.__live.wire.filter((e: any) => e.dir === 'out' && e.frame.t === 'event').length - before
    }
    const first = round(1)
    setTimeout(() => resolve([first, round(2)]), 100)
  }), ids)
  t.same(left, [0, 0], 'nothing left at once, in either round')
  const second = (await userEvents(page, 'input')).at(-1)!
  await waitSent(page, ids.length, 'search')
  await quietUntil(page, 300 + 150, second.mono)

  const sends = await sent(page, 'search')
  t.same(sends.map((s) => s.p).sort((a, b) => String(a.field).localeCompare(String(b.field))),
    ids.map((id) => ({ field: id, value: `${id}-2` })).sort((a, b) => a.field.localeCompare(b.field)),
    'one send per element, with its latest value')
  for (const s of sends) {
    const delay = s.mono - second.mono
    t.ok(delay >= 300 - SLACK && delay < 300 + 500, `${s.p.field}: sent the handler's 300 ms after the last input (${Math.round(delay)} ms)`)
  }
  t.equal(calls.length, ids.length, 'the server ran the handler once per element')
  await page.waitForFunction((n) => document.querySelectorAll('#log li').length === n, ids.length)

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
  const page = await open(t)
  const text = 'a steady stream of keys!'
  await page.type('#longer', text, { delay: 75 })
  await page.waitForFunction((text) => document.querySelector('#log li:last-child')?.textContent === `stream longer ${text}`, text)

  const typed = await userEvents(page, 'input', 'longer')
  const sends = await sent(page, 'stream')
  t.ok(typed.at(-1)!.mono - typed[0]!.mono > 2 * 700, 'the stream lasted several maxWait')
  const delays = typed.map((u) => (sends.find((s) => s.mono >= u.mono)?.mono ?? Infinity) - u.mono)
  t.ok(Math.max(...delays) <= 700 + 150, `no keystroke was held back longer than the handler's maxWait (at most ${Math.round(Math.max(...delays))} ms)`)
  t.ok(sends.length >= 3, `the stream was sent in several parts (${sends.length})`)
  t.same(sends.map((s) => s.p.value), sends.map((s) => typed.filter((u) => u.mono <= s.mono).at(-1)!.value), 'each send carries the latest value')
  t.same(calls.map((c) => c.p.value), sends.map((s) => s.p.value), 'the server received each send once, in order')

  // A single input waits the element's wait; one longer than maxWait is not cut short by it.
  resetCalls()
  const before = sends.length
  t.equal(await inputAll(page, [['longer', 'x'], ['longest', 'y']]), 0, 'nothing left at once')
  const input = (await userEvents(page, 'input')).at(-1)!
  await waitSent(page, before + 2, 'stream')
  const [short, long] = (await sent(page, 'stream')).slice(before)
  t.same([short!.p, long!.p], [{ field: 'longer', value: 'x' }, { field: 'longest', value: 'y' }])
  const waited = [short!.mono - input.mono, long!.mono - input.mono].map(Math.round)
  t.ok(waited[0]! >= 400 - SLACK && waited[0]! < 400 + 500, `live-debounce="400" waited 400 ms, not the handler's 200 (${waited[0]} ms)`)
  t.ok(waited[1]! >= 1000 - SLACK, `live-debounce="1000" waited 1000 ms, not the handler's maxWait of 700 (${waited[1]} ms)`)
  t.same(calls.map((c) => c.p), [{ field: 'longer', value: 'x' }, { field: 'longest', value: 'y' }], 'the server ran each once')
  t.same(await warnings(page), [], 'valid values warn about nothing')
})

t.test('an invalid live-throttle is ignored with one warning: the handler\'s interval applies', async (t) => {
  const page = await open(t)
  const bad: Array<[id: string, value: string]> = [['zero', '0'], ['junk', 'fast'], ['huge', '9999999999']]
  for (const [id] of bad) t.equal(await clickBurst(page, id, 5), 1, `#${id}: the first click left at once, the others were held back`)
  await waitSent(page, 2 * bad.length, 'tick')
  const sends = await sent(page, 'tick')
  for (const [id] of bad) {
    const mine = sends.filter((s) => s.p.field === id)
    t.same(mine.map((s) => s.p.n), ['1', '5'], `#${id}: leading, then the latest click as trailing`)
    const gap = mine[1]!.mono - mine[0]!.mono
    t.ok(gap >= 300 - SLACK && gap < 300 + 300, `#${id}: one handler interval (300 ms) apart (${Math.round(gap)} ms)`)
  }
  await quietUntil(page, 300 + 150, Math.max(...sends.map((s) => s.mono)))
  t.equal((await sent(page, 'tick')).length, 2 * bad.length, 'nothing more')
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
