import t from 'tap'
import type { Page } from 'playwright-core'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { answerTo, clickAndRead, clickInTurn, received, sent, texts, waitAnswered } from '../helpers/policy.js'
import { CacheView, calls, resetCalls, resetRuns, runs } from '../fixtures/policy-views.js'

// A cache hit shows a stored render; the server then puts the view back in
// the state that render came from (a snapshot it took after the handler ran)
// instead of running the handler, so the next event renders consistently.
// The server keeps a bounded number of snapshots per view; a hit whose
// snapshot is gone runs the handler, and the page shows its fresh result.

const browser = await launchBrowser(t)
t.beforeEach(() => {
  resetCalls()
  resetRuns()
})

const SHOWN = ['#page', '#result', '#note', '#bumps']

async function open (t: Tap.Test): Promise<Page> {
  const { url } = await serve(t, [['/cache', CacheView]], { debug: false })
  return await openChromiumPage(t, browser, `${url}/cache`)
}

async function shown (page: Page): Promise<string[]> {
  return await texts(page, SHOWN.join(', '))
}

t.test('after a hit the server is in the state the page shows: the next event renders from it', async (t) => {
  const page = await open(t)
  await clickInTurn(page, ['show-2', 'show-3', 'write', 'bump'])
  t.same(await shown(page), ['page=3', 'page 3 from run 2', 'note=changed', 'bumps=1'])

  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=2', 'page 2 from run 1', 'note=', 'bumps=0'], 'the hit shows page 2 as it was rendered')
  await waitAnswered(page)
  const hit = (await sent(page, 'show'))[2]!
  t.equal((await answerTo(page, hit))!.snap, hit.hit, 'the server answered that it restored that snapshot')
  t.equal(runs.show, 2, 'without running the handler')

  await clickInTurn(page, ['bump'])
  t.same(await shown(page), ['page=2', 'page 2 from run 1', 'note=', 'bumps=1'],
    'the next event rendered from the restored state (not page 3, note "changed", bumps 2)')
  t.same(calls.map((c) => c.h), ['show', 'show', 'write', 'bump', 'bump'], 'the server ran no show for the hit')

  await clickInTurn(page, ['show-3'])
  t.same(await shown(page), ['page=3', 'page 3 from run 2', 'note=', 'bumps=0'], 'another hit restores the state of its own result (taken before the write)')
  t.equal(runs.show, 2)
})

t.test('a hit whose snapshot the server has dropped runs the handler, and the page shows the fresh result', async (t) => {
  const page = await open(t)
  await clickInTurn(page, ['show-2'])
  // 40 more results: more than the server keeps per view, fewer than the page keeps.
  await clickInTurn(page, Array.from({ length: 40 }, (_, k) => `show-${k + 3}`))
  t.equal(runs.show, 41)

  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=2', 'page 2 from run 1', 'note=', 'bumps=0'], 'the page still has page 2 and shows it at once')
  await waitAnswered(page)
  const hit = (await sent(page, 'show')).at(-1)!
  const answer = (await answerTo(page, hit))!
  t.ok(hit.hit !== undefined, 'the page sent it as a hit')
  t.equal(runs.show, 42, 'the server no longer had that snapshot and ran the handler')
  t.not(answer.snap, hit.hit, 'its answer names a new snapshot')
  t.same(await shown(page), ['page=2', 'page 2 from run 42', 'note=', 'bumps=0'], 'the page shows the fresh result')

  await clickInTurn(page, ['bump'])
  t.same(await shown(page), ['page=2', 'page 2 from run 42', 'note=', 'bumps=1'], 'and the next event renders consistently')

  // The fresh result replaced the stale one: the next repeat is a hit the server restores.
  t.same(await clickAndRead(page, 'show-2', SHOWN), ['page=2', 'page 2 from run 42', 'note=', 'bumps=0'])
  await waitAnswered(page)
  const again = (await sent(page, 'show')).at(-1)!
  t.equal(again.hit, answer.snap)
  t.equal((await answerTo(page, again))!.snap, answer.snap, 'restored')
  t.equal(runs.show, 42, 'the handler did not run for it')
  t.same((await received(page)).filter((f) => f.t === 'error'), [], 'no errors on the way')
})
