import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { openSocketPage } from '../helpers/live.js'
import { liveStats, openLive } from '../../lib/testing.js'
import { AdminView, BrokenView, ItemsView, ItemView, resetSeen, seen } from '../fixtures/nav-views.js'
import { sealFlash } from '../../lib/navigation.js'
import { SECRET } from '../helpers/app.js'

// The socket side of live navigation (docs/protocol.md): `params` and
// `navigate` frames, what handlers ask for, and every refusal, which is coded
// and changes nothing on the server.

const app = await buildApp(t, [
  ['/items', ItemsView], ['/items/:id', ItemView], ['/admin', AdminView, { permissions: 'admin.view' }], ['/bare', AdminView, { layout: false }],
  ['/files/*', AdminView], ['/broken', BrokenView],
], { debug: true }, (app) => {
  app.get('/plain', async () => 'plain')
  app.get('/items/special', async () => 'a plain route beside a live one')
})

t.beforeEach(() => resetSeen())

t.test('a params frame runs handleParams and answers with the render and the token of the new URL', async (t) => {
  const { page } = await openSocketPage(app, '/items?page=2')
  t.match(page.html(), /page=2 filter=/)
  const reply = await page.send({ t: 'params', id: page.roots[0]!.id, url: '/items?page=3&filter=tea' })
  t.equal(reply.t, 'reply')
  t.match(page.html(), /page=3 filter=tea/)
  t.same(seen.params, ['/items?page=2', '/items?page=3&filter=tea'])
  const claims = JSON.parse(Buffer.from(String(reply.token).split('.')[0]!, 'base64url').toString())
  t.same([claims.u, claims.q], ['/items?page=3&filter=tea', { page: '3', filter: 'tea' }])
  t.equal(reply.title, 'Items, page 3', 'the new title rides on the reply')
  // a rejoin with that token, nothing parked: the view mounts with the patched URL
  await page.send({ t: 'leave', id: page.roots[0]!.id })
  page.close()
  const again = await openSocketPage(app, '/items', { join: false })
  resetSeen()
  const joined = await again.page.send({ t: 'join', id: page.roots[0]!.id, token: reply.token })
  t.equal(joined.t, 'reply')
  t.match(String(joined.html), /page=3 filter=tea/)
  t.same(seen.params, ['/items?page=3&filter=tea'])
  again.page.close()
})

t.test('bad params frames are refused with a code and change nothing', async (t) => {
  const { page } = await openSocketPage(app, '/items?page=2')
  const id = page.roots[0]!.id
  const before = page.html()
  resetSeen()
  const cases: Array<[string, string]> = [
    ['https://evil.example/items?page=9', 'bad_url'],
    ['//evil.example/items?page=9', 'bad_url'],
    ['/\\evil.example/items', 'bad_url'],
    ['/items\u0000?page=9', 'bad_url'],
    ['items?page=9', 'bad_url'],
    ['/items/1', 'bad_url'],
    ['/nowhere', 'not_live'],
    ['/items/%E0%A4%A', 'not_live'],
  ]
  for (const [url, code] of cases) {
    const answer = await page.send({ t: 'params', id, url })
    t.equal(answer.code, code, `${JSON.stringify(url)}: ${code}`)
  }
  t.match((await page.send({ t: 'params', id, url: 'x'.repeat(3000) })).code, 'bad_message', 'an overlong URL is not even read')
  t.equal(page.html(), before, 'the page is unchanged')
  t.same(seen.params, [], 'handleParams never ran')
  const thrown = await page.send({ t: 'params', id, url: '/items?boom=1' })
  t.same([thrown.code, thrown.handler], ['handler_error', 'handleParams'], 'handleParams that throws is a handler_error')
  const unrendered = await page.send({ t: 'params', id, url: '/items?page=-1' })
  t.equal(unrendered.code, 'handler_error', 'a template that throws too')
  page.close()
})

t.test('a navigate frame mounts the route of the URL, which the next join adopts', async (t) => {
  const { page } = await openSocketPage(app, '/items')
  const views = liveStats(app).views
  const reply = await page.send({ t: 'navigate', id: page.roots[0]!.id, url: '/items/7' })
  t.equal(reply.t, 'reply')
  t.equal(reply.title, 'Item 7')
  const root = String(reply.root)
  t.match(root, /^<div id="lv-[\w-]{10}" data-live-root data-live-token="[^"]+"[^>]*>/)
  t.match(root, /item=7/)
  t.equal(seen.itemMounts, 1)
  const id = /id="(lv-[\w-]{10})"/.exec(root)![1]!
  const token = /data-live-token="([^"]+)"/.exec(root)![1]!
  const joined = await page.send({ t: 'join', id, token })
  t.same([joined.t, joined.html], ['reply', undefined], 'the join adopts the render the page swapped in (a bare reply)')
  t.equal(seen.itemMounts, 1, 'mounted once')
  // the browser swaps the old root out and leaves it: one view is left, the new one
  await page.send({ t: 'leave', id: page.roots[0]!.id })
  t.equal(liveStats(app).views, views, 'the old view ended: the new one took its place')
  page.close()
})

t.test('navigations nobody joins are bounded: each waits handoffTtl at most, like an HTTP render', async (t) => {
  const { page } = await openSocketPage(app, '/items')
  const before = liveStats(app).views
  for (let k = 0; k < 20; k++) await page.send({ t: 'navigate', id: page.roots[0]!.id, url: `/items/${k}` })
  t.equal(liveStats(app).views, before + 20, 'each waits for its join in the handoff store (bounded by its size and handoffTtl)')
  page.close()
})

t.test('bad navigate frames are refused with a code', async (t) => {
  const { page } = await openSocketPage(app, '/items')
  const id = page.roots[0]!.id
  const cases: Array<[string, string]> = [
    ['https://evil.example/items/1', 'bad_url'],
    ['//evil.example/items/1', 'bad_url'],
    ['/plain', 'not_live'],
    ['/nowhere', 'not_live'],
    ['/items/special', 'not_live'],
    ['/bare', 'not_live'],
    ['/admin', 'forbidden'],
  ]
  for (const [url, code] of cases) {
    const answer = await page.send({ t: 'navigate', id, url })
    t.equal(answer.code, code, `${url}: ${code}`)
  }
  t.equal((await page.send({ t: 'navigate', id: 'lv-AAAAAAAAAA', url: '/items/1' })).code, 'unknown_view', 'from a view that is not joined')
  t.equal(seen.itemMounts, 0, 'nothing was mounted')
  const broken = await page.send({ t: 'navigate', id, url: '/broken' })
  t.same([broken.code, String(broken.message)], ['handler_error', 'BrokenView.mount() threw: broken mount'], 'a mount that throws')
  const wild = await page.send({ t: 'navigate', id, url: '/files/a/b' })
  t.equal(wild.t, 'reply', 'a wildcard route is a live route too')
  page.close()
})

t.test('handlers: patch, navigate and redirect ride on the reply; bad URLs are handler errors', async (t) => {
  const { page } = await openSocketPage(app, '/items')
  const next = await page.event('next')
  t.same(next.nav, { patch: '/items?page=2', replace: false })
  t.ok(next.token, 'with the token of the new URL')
  t.match(page.html(), /page=2/)
  t.same((await page.event('nextReplace')).nav, { patch: '/items?page=3', replace: true })
  t.same((await page.event('open', { id: '3' })).nav, { navigate: '/items/3' })
  t.same((await page.event('awayExternal')).nav, { redirect: 'https://example.com/bye' })
  const before = page.html()
  for (const handler of ['away', 'elsewhere', 'badPatch', 'badFlash']) {
    const answer = await page.event(handler)
    t.equal(answer.code, 'handler_error', `${handler}: handler_error`)
    t.match(String(answer.message), /redirect|navigate|patch|flash|handleParams/)
  }
  t.equal(page.html(), before, 'the page did not move')
  const boom = await page.event('patchBoom')
  t.same([boom.code, boom.nav], ['handler_error', undefined], 'handleParams that throws after this.patch(): a handler_error, and the browser is not told the URL')
  page.close()
})

t.test('a redirect carries the flash to the next page load in a signed cookie, once', async (t) => {
  const { page } = await openSocketPage(app, '/items')
  const reply = await page.event('logout')
  const nav = reply.nav as { redirect: string, flash: string }
  t.equal(nav.redirect, '/plain')
  const loaded = await app.inject({ url: '/items', headers: { cookie: `other=1; live_flash=${nav.flash}` } })
  t.match(loaded.body, /<p id="flash">Bye<\/p>/, 'the next page shows it')
  t.match(String(loaded.headers['set-cookie']), /live_flash=; Path=\/; Max-Age=0/, 'and clears the cookie')
  const forged = await app.inject({ url: '/items', headers: { cookie: `live_flash=${nav.flash.replace(/.$/, (c) => c === 'A' ? 'B' : 'A')}` } })
  t.match(forged.body, /<p id="flash"><\/p>/, 'a forged cookie shows nothing')
  const old = sealFlash(SECRET, { info: 'old' }, Date.now() - 120_000)
  const expired = await app.inject({ url: '/items', headers: { cookie: `live_flash=${old}` } })
  t.match(expired.body, /<p id="flash"><\/p>/, 'an expired one neither')
  page.close()
})

t.test('a parked view keeps its flash: the render after it resumes still shows it', async (t) => {
  const { page } = await openSocketPage(app, '/items/8')
  const id = page.roots[0]!.id
  const gone = await page.event('remove')
  t.same(gone.nav, { navigate: '/items' })
  const reply = await page.send({ t: 'navigate', id, url: '/items' })
  const root = String(reply.root)
  t.match(root, /<p id="flash">Deleted item 8<\/p>/)
  const next = { id: /id="(lv-[\w-]{10})"/.exec(root)![1]!, token: /data-live-token="([^"]+)"/.exec(root)![1]! }
  await page.send({ t: 'leave', id })
  await page.send({ t: 'join', ...next })
  page.close() // dropped: parked, flash and all
  const again = await openSocketPage(app, '/items/1', { join: false })
  const resumed = await again.page.send({ t: 'join', ...next })
  t.match(String(resumed.html), /Deleted item 8/, 'resumed with the render it had')
  const touched = await again.page.send({ t: 'event', id: next.id, h: 'touch', p: {}, type: 'click' })
  t.same([touched.t, touched.d, touched.html], ['reply', undefined, undefined], 'a render on the resumed view changes nothing: the flash is still there')
  again.page.close()
})

t.test('fastify-live/testing: page.patch() and page.navigate() do what the browser does', async (t) => {
  const page = await openLive(app, '/items')
  const views = liveStats(app).views
  const patched = await page.patch('/items?page=4')
  t.equal(patched.t, 'reply')
  t.match(page.html(), /page=4/)
  const refused = await page.navigate('/admin')
  t.equal(refused.code, 'forbidden')
  t.match(page.html(), /page=4/, 'a refused navigate leaves the page as it was')
  const moved = await page.navigate('/items/9')
  t.equal(moved.t, 'reply')
  t.equal(page.roots.length, 1)
  t.match(page.html(), /item=9/)
  t.match(String((await page.event('remove')).nav?.navigate), '/items', 'the new view is joined: its handlers answer')
  t.equal(liveStats(app).views, views, 'the old view left')
  page.close()
})

t.test('the default layout puts pageTitle in <title>', async (t) => {
  const res = await app.inject({ url: '/items/4' })
  t.match(res.body, /<title>Item 4<\/title>/)
})
