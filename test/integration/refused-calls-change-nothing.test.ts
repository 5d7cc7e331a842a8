import t, { type Test } from 'tap'
import { LiveView, eventHandler, permissionRequired } from '../../lib/index.js'
import { openLive, type LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { openSocketPage } from '../helpers/live.js'

let runs = 0

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @eventHandler({ params: { n: { type: 'integer' } } })
  add ({ n }: { n: number }) { runs++; this.count += n }

  @permissionRequired('counter.reset') @eventHandler()
  reset () { runs++; this.count = 0 }

  /** Public, but not an @eventHandler. */
  double () { runs++; this.count *= 2 }
}

t.beforeEach(() => { runs = 0 })

/** A full render: what the server now holds, and its version. */
async function snapshot (page: LivePage): Promise<{ v: number, html: string }> {
  const reply = await page.send({ t: 'render', id: page.roots[0]!.id })
  return { v: reply.v!, html: reply.html! }
}

async function setUp (t: Test): Promise<LivePage> {
  const app = await buildApp(t, [['/counter', CounterView]])
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  await page.event('add', { n: 3 })
  runs = 0
  return page
}

t.test('an unknown handler changes nothing', async (t) => {
  const page = await setUp(t)
  const before = await snapshot(page)
  t.match(await page.event('nope'), { t: 'error', code: 'unknown_handler', handler: 'nope', message: /CounterView has no event handler "nope"; the handlers are: add, reset/ })
  t.match(await page.event('double'), { t: 'error', code: 'unknown_handler' }, 'a public method without @eventHandler cannot be called')
  t.match(await page.event('mount'), { t: 'error', code: 'unknown_handler' }, 'nor can the lifecycle')
  t.match(await page.event('constructor'), { t: 'error', code: 'unknown_handler' })
  t.match(await page.event('__proto__'), { t: 'error', code: 'unknown_handler' })
  t.equal(runs, 0)
  t.same(await snapshot(page), before)
  t.match(before.html, /<span id="count">3<\/span>/)
})

t.test('invalid params change nothing', async (t) => {
  const page = await setUp(t)
  const before = await snapshot(page)
  t.match(await page.event('add', { n: 'three' }), { t: 'error', code: 'invalid_params', handler: 'add' })
  t.match(await page.event('add', { n: 1, evil: true }), { t: 'error', code: 'invalid_params' })
  t.equal(runs, 0)
  t.same(await snapshot(page), before)
})

t.test('a forbidden call changes nothing', async (t) => {
  const page = await setUp(t)
  const before = await snapshot(page)
  t.match(await page.event('reset'), { t: 'error', code: 'forbidden', handler: 'reset' })
  t.equal(runs, 0)
  t.same(await snapshot(page), before)
})

t.test('a rate-limited call changes nothing', async (t) => {
  let view!: CounterView
  class Watched extends CounterView {
    override mount () { view = this }
  }
  // The join (it costs 4) and two events; the bucket never refills within the test.
  const app = await buildApp(t, [['/counter', Watched]], { rateLimit: { burst: 6, perSecond: 0.001 } })
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  t.equal((await page.event('add', { n: 1 })).t, 'reply')
  t.equal((await page.event('add', { n: 1 })).t, 'reply')
  const refused = page.next((f) => f.t === 'error')
  page.event('add', { n: 100 }).catch(() => {})
  t.match(await refused, { t: 'error', code: 'rate_limited' })
  t.equal(runs, 2, 'the refused event never reached the handler')
  t.equal(view.count, 2)
})
