import t, { type Test } from 'tap'
import { LiveView, cache, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

/** How often `show` ran (kept outside the view: a snapshot restores view state). */
let runs = 0

class PagerView extends LiveView {
  static override template = 'pager.njk'
  page = 1
  note = ''

  @cache({ keyParams: ['page'] }) @eventHandler({ params: { page: { type: 'integer' } } })
  show ({ page }: { page: number }) {
    runs++
    if (page < 0) throw new Error('no such page')
    this.page = page
  }

  @eventHandler()
  write ({ value }: { value: string }) { this.note = value }

  @eventHandler()
  plain () { runs++ }
}

t.beforeEach(() => { runs = 0 })

async function setUp (t: Test) {
  const app = await buildApp(t, [['/pager', PagerView]])
  const page = await openLive(app, '/pager')
  t.teardown(() => page.close())
  return page
}

t.test('a @cache reply carries a snapshot id', async (t) => {
  const page = await setUp(t)
  const reply = await page.event('show', { page: 2 })
  t.match(reply, { t: 'reply', snap: /^[A-Za-z0-9_-]{1,32}$/ })
  const again = await page.event('show', { page: 3 })
  t.not(again.snap, reply.snap, 'each result has its own snapshot')
  t.notOk('snap' in (await page.event('write', { value: 'x' })), 'other handlers carry none')
})

t.test('an event with hit restores the snapshot without running the handler', async (t) => {
  const page = await setUp(t)
  const two = await page.event('show', { page: 2 })
  await page.event('show', { page: 3 })
  await page.event('write', { value: 'typed after' })
  t.equal(runs, 2)
  const hit = await page.event('show', { page: 2 }, { hit: two.snap as string })
  t.equal(runs, 2, 'the handler did not run')
  t.match(hit, { t: 'reply', snap: two.snap })
  t.match(page.html(), /page=2/, 'the view is back on page 2')
  t.match(page.html(), /note=<\/p>/, 'and what changed since that result is reverted with it')
  // The next event renders from the restored state.
  await page.event('write', { value: 'fresh' })
  t.match(page.html(), /page=2[\s\S]*note=fresh/)
})

t.test('a hit for a snapshot the server no longer has runs the handler', async (t) => {
  const page = await setUp(t)
  const reply = await page.event('show', { page: 4 }, { hit: 'gone' })
  t.equal(runs, 1)
  t.match(reply, { t: 'reply', snap: /./ })
  t.not(reply.snap, 'gone')
  t.match(page.html(), /page=4/)
})

t.test('a hit is ignored for a handler without @cache', async (t) => {
  const page = await setUp(t)
  const snap = (await page.event('show', { page: 2 })).snap as string
  await page.event('plain', {}, { hit: snap })
  t.equal(runs, 2, 'the handler ran')
})

t.test('a hit is still checked against the params schema', async (t) => {
  const page = await setUp(t)
  const snap = (await page.event('show', { page: 2 })).snap as string
  t.match(await page.event('show', { page: 'two' }, { hit: snap }), { t: 'error', code: 'invalid_params' })
})

t.test('errors are never cached', async (t) => {
  const page = await setUp(t)
  const failed = await page.event('show', { page: -1 })
  t.match(failed, { t: 'error', code: 'handler_error' })
  t.notOk('snap' in failed)
})

t.test('a view whose state cannot be snapshotted still works, without cache hits', async (t) => {
  class Unclonable extends PagerView {
    format = (n: number) => `#${n}`
  }
  const app = await buildApp(t, [['/unclonable', Unclonable]])
  const page = await openLive(app, '/unclonable')
  t.teardown(() => page.close())
  const reply = await page.event('show', { page: 2 })
  t.equal(reply.t, 'reply')
  t.notOk('snap' in reply, 'no snapshot, so the browser cannot claim a hit')
  t.match(page.html(), /page=2/)
})

t.test('a snapshot restores only for its own handler and key params, and its id cannot be guessed', async (t) => {
  class WalletView extends LiveView {
    static override template = 'counter.njk'
    count = 0
    @eventHandler({ params: { value: { type: 'string' } } })
    @cache({ keyParams: ['value'] })
    look () { this.count += 0 }

    @eventHandler()
    increment () { this.count += 1 }
  }
  const app = await buildApp(t, [['/wallet', WalletView]])
  const page = await openLive(app, '/wallet')
  const first = await page.event('look', { value: 'a' })
  const snap = first.snap as string
  t.match(snap, /^[A-Za-z0-9_-]{12}$/, 'a random id')
  await page.event('increment')
  await page.event('increment')
  t.match(page.html(), /<span id="count">2<\/span>/)
  // Another key's hit with that snapshot must not roll the state back: the handler runs instead.
  const other = await page.event('look', { value: 'b' }, { hit: snap })
  t.not(other.snap, snap, 'the handler ran and made its own snapshot')
  t.match(page.html(), /<span id="count">2<\/span>/, 'state kept')
  // Guessed ids restore nothing either.
  for (const guess of ['1', '2', 'a', 'AAAAAAAAAAAA']) await page.event('look', { value: 'a' }, { hit: guess })
  t.match(page.html(), /<span id="count">2<\/span>/, 'state kept')
  // The real hit for the same key does restore.
  const hit = await page.event('look', { value: 'a' }, { hit: snap })
  t.equal(hit.snap, snap)
  t.match(page.html(), /<span id="count">0<\/span>/, 'restored to the cached result')
  page.close()
})
