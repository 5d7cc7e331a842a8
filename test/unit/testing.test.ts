import Fastify from 'fastify'
import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, openLive, openSocket, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

t.test('parseRoots finds every root with its token and inner HTML, nested ones included', async (t) => {
  const page = '<body><div id="lv-AAAAAAAAAA" data-live-root data-live-token="a.b" data-live-policies="{}"><p>x</p>' +
    '<div id="lv-BBBBBBBBBB" data-live-root data-live-token="c.d"><div>inner</div></div><div>after</div></div></body>'
  const roots = parseRoots(page)
  t.same(roots.map((r) => [r.id, r.token, r.version]), [['lv-AAAAAAAAAA', 'a.b', 1], ['lv-BBBBBBBBBB', 'c.d', 1]])
  t.equal(roots[0]!.html, '<p>x</p><div id="lv-BBBBBBBBBB" data-live-root data-live-token="c.d"><div>inner</div></div><div>after</div>')
  t.equal(roots[1]!.html, '<div>inner</div>')
  t.same(parseRoots('<p>no roots</p>'), [])
})

t.test('openLive renders, connects and joins; the page tracks the HTML', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]])
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  t.match(liveStats(app), { views: 1, tasks: 0, sockets: 1 })
  await page.event('increment')
  await page.event('increment')
  t.match(page.html(), /<span id="count">2<\/span>/)
  t.equal(page.roots[0]!.version, 3)
  t.throws(() => page.html('lv-XXXXXXXXXX'), { message: /no live root lv-XXXXXXXXXX/ })
})

t.test('openSocket opens sockets with any ws 8 (ws 8.23.1 refuses injectWS\'s numeric version header), several at once', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]])
  const body = (await app.inject('/counter')).body
  const pages = await Promise.all([1, 2, 3].map(async () => new LivePage(body, parseRoots(body), await openSocket(app, { 'user-agent': 'test' }))))
  t.teardown(() => { for (const page of pages) page.close() })
  const joins = await Promise.all(pages.map(async (page) => await page.join()))
  t.same(joins.map((j) => j[0]!.t), ['reply', 'reply', 'reply'], 'every socket joins')
  t.equal(app.server.listenerCount('upgrade'), 1, 'no listener is left behind on the server')
})

class RepeatedIdsView extends LiveView {
  static override template = 'repeated-ids.njk'
  first = 'one'
  second = 0
  @eventHandler() bump () { this.second++ }
}

t.test('a delta the page cannot apply (a repeated id) is answered, like in the browser, by the full HTML', async (t) => {
  const app = await buildApp(t, [['/twice', RepeatedIdsView]])
  const page = await openLive(app, '/twice')
  t.teardown(() => page.close())
  const patched = page.next((f) => f.t === 'reply' && Array.isArray(f.d))
  const reply = await page.event('bump')
  t.same(reply.d, ['twice', '<span id="twice">1</span>'], 'the server sent a delta for the second element')
  t.equal(await patched, reply, 'watchers see the reply once the page holds the HTML')
  t.match(page.html(), /<span id="twice">one<\/span><\/p>\s*<p><span id="twice">1<\/span>/, 'the page holds the full HTML: the first element untouched')
  t.ok(page.frames.some((f) => f.t === 'reply' && typeof f.html === 'string' && f.v === 2), 'which came as the reply to a render')
  t.equal(page.roots[0]!.version, 2)
  await page.event('bump')
  t.match(page.html(), /<span id="twice">2<\/span>/, 'and the page keeps working')
})

t.test('openLive fails clearly when the page does not render or the join is refused', async (t) => {
  const app = await buildApp(t, [['/admin', CounterView, { permissions: 'admin' }]])
  await t.rejects(openLive(app, '/missing'), { message: /GET \/missing answered 404/ })
  await t.rejects(openLive(app, '/admin'), { message: /GET \/admin answered 403/ })
})

t.test('liveStats needs the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  t.throws(() => liveStats(app), { message: /fastify-live is not registered on this instance/ })
})
