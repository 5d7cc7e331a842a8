import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { answerTo, clickAndRead, clickInTurn, received, sent, waitAnswered } from '../helpers/policy.js'
import { advance, openPausedPage } from '../helpers/page-clock.js'
import { freezeDateNow } from '../helpers/clock.js'
import { CacheView, calls, failures, resetCalls, resetRuns, runs } from '../fixtures/policy-views.js'

// @cache in the browser: the first call of a key goes to the server; a repeat
// within `ttl` shows the stored result at once (read in the same task as the
// click, before any frame can arrive) and the server does not run the handler
// (the event still goes, with `hit`, so the server can restore the state
// that result shows). Keys are the handler plus its keyParams values; after
// `ttl` a key goes to the server again; errors are never stored. (A handler
// that changes what a result does not put back drops it: the sequences below
// change only what the stored results cover.)

const browser = await launchBrowser(t)
t.beforeEach(() => {
  resetCalls()
  resetRuns()
})

const SHOWN = ['#page', '#result']

async function open (t: Tap.Test): Promise<Page> {
  const { url } = await serve(t, [['/cache', CacheView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/cache`)
}

async function shown (page: Page): Promise<string[]> {
  return await page.evaluate((sels) => sels.map((s) => document.querySelector(s)!.textContent!), SHOWN)
}

t.test('a miss goes to the server; a repeat with the same key is shown at once and the handler does not run again', async (t) => {
  const page = await open(t)
  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=0', 'none'], 'a miss changes nothing at once')
  await waitAnswered(page)
  t.same(await shown(page), ['page=2', 'page 2 from run 1'], 'the server\'s result is shown')
  await clickInTurn(page, ['show-3'])
  t.same(await shown(page), ['page=3', 'page 3 from run 2'])

  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=2', 'page 2 from run 1'], 'the repeat shows the stored result at once')
  // A param that is not in keyParams does not make another entry.
  await waitAnswered(page)
  t.same(await clickAndRead(page, 'show-2-noise', SHOWN), ['page=2', 'page 2 from run 1'], 'data-noise is not part of the key')
  await waitAnswered(page)

  t.equal(runs.show, 2, 'the server ran the handler for the two misses only')
  t.same(calls.map((c) => c.p.page), ['2', '3'])
  const sends = await sent(page, 'show')
  const replies = await received(page)
  const snapOf = (ref: number) => replies.find((f) => f.ref === ref)!.snap
  t.same(sends.map((s) => s.hit), [undefined, undefined, snapOf(sends[0]!.ref), snapOf(sends[0]!.ref)], 'the repeats told the server which stored result they showed')
  t.same(await shown(page), ['page=2', 'page 2 from run 1'], 'the page still shows it after the server\'s answer')
})

t.test('different key values are different entries', async (t) => {
  const page = await open(t)
  await clickInTurn(page, ['show-2', 'show-3'])
  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=2', 'page 2 from run 1'])
  await waitAnswered(page)
  t.same(await clickAndRead(page, 'show-3', SHOWN), ['page=3', 'page 3 from run 2'], 'each key shows its own result')
  await waitAnswered(page)
  t.same(await clickAndRead(page, 'show-4', SHOWN), ['page=3', 'page 3 from run 2'], 'a new key is a miss')
  await waitAnswered(page)
  t.same(await shown(page), ['page=4', 'page 4 from run 3'])
  t.same(calls.map((c) => c.p.page), ['2', '3', '4'], 'the server ran each key once')
  t.same((await sent(page, 'show')).map((s) => s.hit !== undefined), [false, false, true, true, false])
})

t.test('after ttl the key goes to the server again', async (t) => {
  // Time stands still on both sides and the test moves it: the page's clock
  // (page-clock.ts) and the server's Date.now() (its snapshots keep the ttl too).
  const { url } = await serve(t, [['/cache', CacheView]], { debug: false })
  const page = await openPausedPage(t, browser, `${url}/cache`)
  const serverClock = freezeDateNow(t)
  const wait = async (ms: number): Promise<void> => {
    serverClock.advance(ms)
    await advance(page, ms)
  }
  const clickAnswered = async (id: string): Promise<void> => {
    await page.click(`#${id}`)
    await waitAnswered(page)
  }
  // quick changes only `result`, which show-5's result puts back: both stay.
  await clickAnswered('show-5')
  await clickAnswered('quick')
  await wait(999)
  t.same(await clickAndRead(page, 'show-5', SHOWN), ['page=5', 'page 5 from run 1'], 'within ttl: a hit')
  await waitAnswered(page)
  t.same(await clickAndRead(page, 'quick', SHOWN), ['page=5', 'quick from run 1'], '999 ms later, within the 1000 ms ttl: a hit, shown as it was rendered')
  await waitAnswered(page)
  await clickAnswered('show-5')
  t.same(await shown(page), ['page=5', 'page 5 from run 1'])

  await wait(2)
  t.same(await clickAndRead(page, 'quick', SHOWN), ['page=5', 'page 5 from run 1'], 'after ttl: nothing is shown at once')
  await waitAnswered(page)
  t.same(await shown(page), ['page=5', 'quick from run 2'], 'the server ran it again')
  t.equal(runs.quick, 2)
  t.equal(runs.show, 1)
  t.same((await sent(page, 'quick')).map((s) => s.hit !== undefined), [false, true, false])
})

t.test('errors are never cached: a call that failed goes to the server again', async (t) => {
  const page = await open(t)
  failures.risky = 1
  t.same(await clickAndRead(page, 'risky', SHOWN), ['page=0', 'none'])
  await waitAnswered(page)
  t.match(await answerTo(page, (await sent(page, 'risky'))[0]!), { t: 'error', code: 'handler_error' }, 'the first call failed')
  await page.waitForFunction(() => document.querySelector('#result')!.textContent === 'risky from run 1')
  await clickInTurn(page, ['show-5'])

  t.same(await clickAndRead(page, 'risky', SHOWN), ['page=5', 'page 5 from run 1'], 'the repeat of a failed call shows nothing at once')
  await waitAnswered(page)
  t.same(await shown(page), ['page=5', 'risky from run 2'], 'the server ran it again, and this time it worked')
  await clickInTurn(page, ['show-5'])
  t.same(await shown(page), ['page=5', 'page 5 from run 1'], 'a hit')
  t.same(await clickAndRead(page, 'risky', SHOWN), ['page=5', 'risky from run 2'], 'the success is what got stored')
  await waitAnswered(page)
  t.equal(runs.risky, 2, 'the handler ran for the failure and the first success only')
  t.same((await sent(page, 'risky')).map((s) => s.hit !== undefined), [false, false, true])
})
