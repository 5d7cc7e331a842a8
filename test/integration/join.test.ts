import t from 'tap'
import { LiveView, eventHandler, type MountContext } from '../../lib/index.js'
import { liveStats } from '../../lib/testing.js'
import { TokenSigner } from '../../lib/token.js'
import { buildApp, SECRET } from '../helpers/app.js'
import { attach, openSocketPage, until } from '../helpers/live.js'

let mounts: MountContext[] = []

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount (ctx: MountContext) {
    mounts.push(ctx)
    this.count = Number(ctx.query.start ?? 0)
  }

  @eventHandler() increment () { this.count++ }
}

class OtherView extends LiveView {
  static override template = 'counter.njk'
  count = 0
}

class BrokenMount extends LiveView {
  static override template = 'counter.njk'
  count = 0
  static fail = false
  override mount () { if (BrokenMount.fail) throw new Error('database unreachable') }
}

t.beforeEach(() => { mounts = [] })

const routes = (): Array<[string, any]> => [['/counter', CounterView], ['/other', OtherView]]

t.test('the first join after the GET reuses the rendered view: a bare ack, mount ran once', async (t) => {
  const app = await buildApp(t, routes())
  const { page, joins } = await openSocketPage(app, '/counter?start=5')
  t.teardown(() => page.close())
  t.same(joins, [{ t: 'reply', ref: 1, id: page.roots[0]!.id, v: 1 }], 'no html: the browser already holds it')
  t.equal(mounts.length, 1)
  t.same(mounts[0]!.query, { start: '5' })
  await page.event('increment')
  t.match(page.html(), /<span id="count">6<\/span>/, 'the same instance, with the state mount gave it')
})

t.test('a later join of the same token mounts again and answers with the full html', async (t) => {
  const app = await buildApp(t, routes())
  const res = await app.inject('/counter?start=5')
  const first = await attach(app, res.body)
  t.teardown(() => first.page.close())
  await first.page.event('increment')

  const second = await attach(app, res.body)
  t.teardown(() => second.page.close())
  const [reply] = second.joins
  t.match(reply, { t: 'reply', v: 1, html: /<span id="count">5<\/span>/ }, 'a fresh mount from the token: route, params and query')
  t.equal(mounts.length, 2)
  t.same(mounts[1]!.query, { start: '5' })
  t.equal(mounts[1]!.request.url, '/_live/socket', 'a remount sees the upgrade request')
  t.match(first.page.html(), /<span id="count">6<\/span>/, 'the first page keeps its own view')
  t.equal(liveStats(app).views, 2)
})

t.test('a view rendered but never joined ends after handoffTtl', async (t) => {
  const app = await buildApp(t, routes(), { handoffTtl: 5 })
  const res = await app.inject('/counter')
  t.equal(liveStats(app).views, 1)
  const keep = setInterval(() => {}, 1000) // the handoff timer does not hold the process open
  t.teardown(() => clearInterval(keep))
  await until(() => liveStats(app).views === 0, 'the handoff to expire')
  const { page, joins } = await attach(app, res.body)
  t.teardown(() => page.close())
  t.match(joins[0], { t: 'reply', html: /count/ }, 'a late join still works, by mounting again')
  t.equal(mounts.length, 2)
})

t.test('a tampered token is refused', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/counter', { join: false })
  t.teardown(() => page.close())
  const { id, token } = page.roots[0]!
  const [body, mac] = token.split('.') as [string, string]
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
  const forged = Buffer.from(JSON.stringify({ ...claims, q: { start: '1000' } })).toString('base64url')
  t.match(await page.send({ t: 'join', id, token: `${forged}.${mac}` }), { t: 'error', code: 'join_refused', id, message: /the token signature is invalid/ })
  t.match(await page.send({ t: 'join', id, token: 'garbage' }), { t: 'error', code: 'join_refused', message: /malformed/ })
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_view' }, 'nothing was joined')
  t.match(await page.send({ t: 'join', id, token }), { t: 'reply' }, 'the genuine token still joins')
})

t.test('an expired token is refused', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/counter', { join: false })
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  const stale = new TokenSigner(SECRET, 1000).sign({ r: '/counter', c: [], i: id, a: {}, q: {}, p: {} }, Date.now() - 60_000)
  t.match(await page.send({ t: 'join', id, token: stale }), { t: 'error', code: 'join_refused', message: /the token has expired; reload the page/ })
})

t.test('foreign tokens are refused', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/counter', { join: false })
  t.teardown(() => page.close())
  const { id, token } = page.roots[0]!
  const signer = new TokenSigner(SECRET, 60_000)
  const claims = { r: '/counter', c: [] as string[], i: id, a: {}, q: {}, p: {} }

  const otherSecret = new TokenSigner('x'.repeat(40), 60_000).sign(claims)
  t.match(await page.send({ t: 'join', id, token: otherSecret }), { t: 'error', code: 'join_refused', message: /signature is invalid/ }, 'signed by another server')

  const otherId = 'lv-AAAAAAAAAA'
  t.match(await page.send({ t: 'join', id: otherId, token }), { t: 'error', code: 'join_refused', id: otherId, message: /the token belongs to another view/ }, "another root's token")

  t.match(await page.send({ t: 'join', id, token: signer.sign({ ...claims, r: '/gone' }) }), { t: 'error', code: 'join_refused', message: /the route \/gone, which this server does not have/ })
  t.match(await page.send({ t: 'join', id, token: signer.sign({ ...claims, c: ['Nope'] }) }), { t: 'error', code: 'join_refused', message: /an embedded view this server does not have/ })
  t.equal(liveStats(app).views, 1, 'only the handed-off view exists')
})

t.test('a token of another route mounts that route, never this one', async (t) => {
  const app = await buildApp(t, routes())
  const other = await app.inject('/other')
  const { page, joins } = await attach(app, other.body)
  t.teardown(() => page.close())
  t.match(joins[0], { t: 'reply' })
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_handler', message: /OtherView has no event handler "increment"/ })
})

t.test('a view cannot be joined twice on one socket', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  const { id, token } = page.roots[0]!
  t.match(await page.send({ t: 'join', id, token }), { t: 'error', code: 'join_refused', message: /already joined/ })
  t.equal((await page.event('increment')).t, 'reply', 'the joined view is unaffected')
})

t.test('maxViewsPerSocket caps the views one socket may join', async (t) => {
  const app = await buildApp(t, routes(), { maxViewsPerSocket: 2 })
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  const bodies = await Promise.all([app.inject('/counter'), app.inject('/counter')])
  const [second, third] = bodies.map((res) => /<div id="(lv-[\w-]{10})" data-live-root data-live-token="([^"]+)"/.exec(res.body)!)
  t.match(await page.send({ t: 'join', id: second![1], token: second![2] }), { t: 'reply' })
  t.match(await page.send({ t: 'join', id: third![1], token: third![2] }), { t: 'error', code: 'join_refused', message: /the socket has 2 views; the limit is 2 \(maxViewsPerSocket\)/ })
})

t.test('leaving a view ends it; leaving an unknown view is not an error', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  t.match(await page.send({ t: 'leave', id }), { t: 'reply', id, v: 1 })
  t.equal(liveStats(app).views, 0)
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_view' })
  t.match(await page.send({ t: 'leave', id }), { t: 'reply', id, v: 0 })
})

t.test('a mount that throws on join is answered with handler_error', async (t) => {
  const app = await buildApp(t, [['/broken', BrokenMount]])
  BrokenMount.fail = false
  const res = await app.inject('/broken')
  // Left, not dropped: a dropped view would be parked, and the rejoin would resume it instead of mounting.
  await attach(app, res.body).then(async ({ page }) => { await page.send({ t: 'leave', id: page.roots[0]!.id }); page.close() })
  BrokenMount.fail = true
  t.teardown(() => { BrokenMount.fail = false })
  const { page, joins } = await attach(app, res.body)
  t.teardown(() => page.close())
  t.match(joins[0], { t: 'error', code: 'handler_error', message: /BrokenMount\.mount\(\) threw: database unreachable/ })
  await until(() => liveStats(app).sockets === 1, 'the first socket to close')
  t.equal(liveStats(app).views, 0, 'the failed view is not kept')
})
