import t, { type Test } from 'tap'
import { LiveView, cache, eventHandler } from '../../lib/index.js'
import { openLive, type LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { BoardView, resetRuns, runs } from '../fixtures/cache-board.js'
import { moveDateNow } from '../helpers/clock.js'

// The server half of @cache (API.md §4): a cached handler's reply names a
// snapshot of the properties it changed; a hit puts back only those, without
// running the handler, and answers with the server's render when it differs
// from the cached one. Other handlers' changes drop the results they make
// stale (the reply's `keep` tells the browser), so does invalidateCache();
// the server checks ttl itself; errors are never cached.

t.beforeEach(() => resetRuns())


async function open (t: Test, View = BoardView): Promise<LivePage> {
  const app = await buildApp(t, [['/board', View]])
  const page = await openLive(app, '/board')
  t.teardown(() => page.close())
  return page
}

const shows = (page: LivePage, what: RegExp) => what.test(page.html())

t.test('a cached result carries a snapshot id; other handlers\' replies carry none', async (t) => {
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  t.match(done, { t: 'reply', snap: /^[A-Za-z0-9_-]{12}$/, html: /filter=done/ })
  const open2 = await page.event('show', { filter: 'open' })
  t.not(open2.snap, done.snap, 'each result has its own snapshot')
  t.notOk('keep' in open2, 'a result of the same handler keeps the others: it changes only what they put back')
  t.notOk('snap' in (await page.event('same')), 'other handlers carry none')
})

t.test('a hit puts back what its handler assigned, without running it, and answers without HTML when the page already shows that render', async (t) => {
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  await page.event('show', { filter: 'open' })
  t.equal(runs.show, 2)
  const hit = await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.equal(runs.show, 2, 'the handler did not run')
  t.match(hit, { t: 'reply', snap: done.snap })
  t.notOk('html' in hit || 'd' in hit, 'the cached render is the server\'s render: nothing to send')
  t.equal(hit.v, (done.v as number) + 2, 'the version of the render the browser now holds')
  page.roots[0]!.html = done.html as string // what the browser shows from its cache
  t.ok(shows(page, /filter=done[\s\S]*<li>write<\/li><\/ul>/), 'the filter is back on done')
  // The next event renders from the restored state.
  t.match(await page.event('same'), { t: 'reply' })
  await page.event('write', { value: 'x' })
  t.ok(shows(page, /filter=done[\s\S]*note=x/))
})

t.test('a hit does not reset what its handler never touched, and the reply carries the server\'s render when it differs from the cached one', async (t) => {
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  await page.event('show', { filter: 'all' })
  // A task (not a handler) changes `ticks`: the cached result of done still shows ticks=0.
  const ticked = page.next((f) => f.t === 'patch')
  await page.event('tick')
  await ticked
  t.ok(shows(page, /ticks=1/))
  const hit = await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.equal(runs.show, 2, 'a hit: the handler did not run')
  t.match(hit, { snap: done.snap, html: /filter=done[\s\S]*ticks=1/ }, 'the server\'s render, whole: the page shows the cached one')
  t.ok(shows(page, /ticks=1/), 'ticks was not rolled back')
  // That render is what the browser stores for the result now: the next hit has nothing to send.
  await page.event('show', { filter: 'all' }, { hit: (await page.event('show', { filter: 'all' })).snap as string })
  const again = await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.match(again, { snap: done.snap })
  t.notOk('html' in again, 'the server remembered the render it sent')
})

t.test('the task-board case: a task added by another handler shows on the next filter, and the browser is told to drop what is stale', async (t) => {
  const page = await open(t)
  const open1 = await page.event('show', { filter: 'open' })
  const all = await page.event('show', { filter: 'all' })
  const added = await page.event('add', { title: 'deploy' })
  t.same(added.keep, [], 'the change drops every cached result, and the reply says so')
  t.notOk('keep' in (await page.event('add', { title: 'ship' })), 'told once')
  const after = await page.event('show', { filter: 'open' }, { hit: open1.snap as string })
  t.equal(runs.show, 3, 'the dropped snapshot is no hit: the handler ran')
  t.not(after.snap, open1.snap)
  t.ok(shows(page, /filter=open[\s\S]*<li>test<\/li><li>deploy<\/li><li>ship<\/li><\/ul>/), 'the added tasks show up')
  await page.event('show', { filter: 'all' }, { hit: all.snap as string })
  t.equal(runs.show, 4)
  t.ok(shows(page, /<li>ship<\/li><\/ul>[\s\S]*4 tasks/))
})

t.test('a handler that changes nothing drops nothing; one that fails after a change drops, and the next reply says so', async (t) => {
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  t.notOk('keep' in (await page.event('same')), 'assigning equal values is no change')
  t.match(await page.event('show', { filter: 'done' }, { hit: done.snap as string }), { snap: done.snap })
  t.equal(runs.show, 1)
  const patched = page.next((f) => f.t === 'patch')
  t.match(await page.event('risky'), { t: 'error', code: 'handler_error' })
  t.same((await patched).keep, [], 'the failed handler\'s change dropped the results; the patch of its render says so')
  t.notOk('keep' in (await page.event('same')), 'once')
  await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.equal(runs.show, 2, 'the handler ran')
})

t.test('errors are never cached', async (t) => {
  const page = await open(t)
  const failed = await page.event('risky')
  t.match(failed, { t: 'error', code: 'handler_error' })
  t.notOk('snap' in failed)
})

t.test('a hit past its ttl runs the handler (the server checks ttl too)', async (t) => {
  const time = moveDateNow(t)
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  await page.event('show', { filter: 'open' })
  time.advance(59_000)
  t.match(await page.event('show', { filter: 'done' }, { hit: done.snap as string }), { snap: done.snap }, 'within the 60 s ttl: restored')
  t.equal(runs.show, 2)
  time.advance(1_001 + 1_000)
  const late = await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.equal(runs.show, 3, 'past ttl: the handler ran')
  t.not(late.snap, done.snap, 'and its result has a new snapshot')
  // An expired result no longer takes memory once another result is taken.
  time.advance(61_000)
  const fresh = await page.event('show', { filter: 'all' })
  t.match(await page.event('show', { filter: 'all' }, { hit: fresh.snap as string }), { snap: fresh.snap })
  await page.event('show', { filter: 'open' }, { hit: late.snap as string })
  t.equal(runs.show, 5)
})

t.test('invalidateCache(name) drops that handler\'s results, invalidateCache() all; a name without @cache throws', async (t) => {
  const page = await open(t)
  const done = await page.event('show', { filter: 'done' })
  await page.event('show', { filter: 'open' })
  t.notOk('keep' in (await page.event('forget', { name: 'busy' })), 'another handler\'s: nothing to drop, nothing to tell')
  t.match(await page.event('show', { filter: 'done' }, { hit: done.snap as string }), { snap: done.snap }, 'still a hit')
  t.same((await page.event('forget', { name: 'show' })).keep, [], 'dropped, and the browser is told')
  await page.event('show', { filter: 'done' }, { hit: done.snap as string })
  t.equal(runs.show, 3, 'the dropped result runs again')
  const open2 = await page.event('show', { filter: 'open' })
  t.same((await page.event('forget', { name: '' })).keep, [], 'all dropped')
  await page.event('show', { filter: 'open' }, { hit: open2.snap as string })
  t.equal(runs.show, 5)
  t.match(await page.event('forget', { name: 'add' }), {
    t: 'error', code: 'handler_error', message: /BoardView\.invalidateCache\("add"\): the view has no @cache handler of that name \(its @cache handlers: show, risky, stamp, busy\)/,
  })
  class Uncached extends LiveView {
    static override template = 'pager.njk'
    page = 0
    note = ''
    @eventHandler() forget () { this.invalidateCache('forget') }
    @eventHandler() all () { this.invalidateCache() }
  }
  const plain = await open(t, Uncached as unknown as typeof BoardView)
  t.match(await plain.event('all'), { t: 'reply' }, 'nothing cached: nothing to drop')
  t.match(await plain.event('forget'), { code: 'handler_error', message: /Uncached\.invalidateCache\("forget"\): the view has no @cache handler of that name \(its @cache handlers: none\)/ })
})

t.test('a result stays good across changes it puts back (not its own @loading flag); a @background handler\'s end drops it, and its patch says so', async (t) => {
  const page = await open(t)
  const busy = await page.event('busy')
  t.ok(shows(page, /note=busy/))
  t.notOk('keep' in (await page.event('write', { value: 'typed' })), 'the result puts note back: it stays')
  t.match(await page.event('busy', {}, { hit: busy.snap as string }), { snap: busy.snap }, 'a hit')
  t.notOk('html' in (await page.event('write', { value: 'busy' })), 'the server is back on note=busy: writing it again changes nothing')
  t.equal(runs.busy, 1)
  const patched = page.next((f) => f.t === 'patch')
  await page.event('slowly')
  t.same((await patched).keep, [], 'the patch of the task\'s render drops it')
  await page.event('busy', {}, { hit: busy.snap as string })
  t.equal(runs.busy, 2)
})

t.test('a hit for a snapshot the server does not have, a handler without @cache, invalid params', async (t) => {
  const page = await open(t)
  const reply = await page.event('show', { filter: 'done' }, { hit: 'gone' })
  t.equal(runs.show, 1, 'gone: the handler ran')
  t.not(reply.snap, 'gone')
  await page.event('same', {}, { hit: reply.snap as string })
  t.match(await page.event('show', { filter: 'later' }, { hit: reply.snap as string }), { t: 'error', code: 'invalid_params' }, 'a hit is still checked against the params schema')
  t.ok(shows(page, /filter=done/))
})

t.test('a result whose changed state is not JSON data is not cached, and the view goes on', async (t) => {
  const page = await open(t)
  const reply = await page.event('stamp')
  t.equal(reply.t, 'reply')
  t.notOk('snap' in reply, 'no snapshot, so the browser cannot claim a hit')
  t.match(await page.event('show', { filter: 'done' }), { snap: /./ }, 'other results still are')
})

t.test('a snapshot restores only for its own handler and key params, and its id cannot be guessed', async (t) => {
  let looks = 0
  class WalletView extends LiveView {
    static override template = 'pager.njk'
    page = 0
    note = ''
    @eventHandler({ params: { value: { type: 'string' } } })
    @cache({ keyParams: ['value'] })
    look ({ value }: { value: string }) {
      looks++
      this.note = value
    }
  }
  const page = await open(t, WalletView as unknown as typeof BoardView)
  const first = await page.event('look', { value: 'a' })
  const a = first.snap as string
  await page.event('look', { value: 'b' })
  t.equal(looks, 2)
  // Another key's hit with that snapshot must not put a's result back: the handler runs instead.
  const other = await page.event('look', { value: 'b' }, { hit: a })
  t.not(other.snap, a)
  t.equal(looks, 3)
  t.match(page.html(), /note=b/)
  for (const guess of ['1', 'a', 'AAAAAAAAAAAA']) await page.event('look', { value: 'b' }, { hit: guess })
  t.equal(looks, 6, 'guessed ids restore nothing')
  const hit = await page.event('look', { value: 'a' }, { hit: a })
  t.equal(hit.snap, a)
  t.equal(looks, 6, 'the real id for its own key is a hit')
  t.notOk('html' in hit, 'the browser shows the cached render')
  page.roots[0]!.html = first.html as string
  await page.event('look', { value: 'b' })
  t.match(page.html(), /note=b/, 'the server was on note=a: the next result rendered')
  t.equal(looks, 7)
})
