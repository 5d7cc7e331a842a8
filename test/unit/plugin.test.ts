import Fastify from 'fastify'
import fastifyView from '@fastify/view'
import fastifyWebsocket from '@fastify/websocket'
import nunjucks from 'nunjucks'
import t from 'tap'
import live, { LiveView, eventHandler, type MountContext } from '../../lib/index.js'
import { liveStats, openLive } from '../../lib/testing.js'
import { buildApp, FIXTURES, SECRET } from '../helpers/app.js'

let mounted: MountContext[] = []

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount (ctx: MountContext) { mounted.push(ctx) }
  @eventHandler() increment () { this.count++ }
}

t.beforeEach(() => { mounted = [] })

t.test('one register is all the set-up; GET renders the view in the default layout', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]])
  const res = await app.inject('/counter')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html; charset=utf-8/)
  t.match(res.body, /^<!doctype html>/)
  t.match(res.body, /<script type="module" src="\/_live\/live\.[0-9a-f]{10}\.js" data-live-socket="\/_live\/socket"/)
  t.match(res.body, /<div id="lv-[\w-]{10}" data-live-root data-live-token="[\w-]+\.[\w-]+" data-live-policies="\{\}"[^>]*><p>Count: <span id="count">0<\/span><\/p>/)
})

t.test('route params, query and the request reach mount', async (t) => {
  const app = await buildApp(t, [['/items/:id', CounterView]])
  await app.inject({ url: '/items/42?tab=x', headers: { 'x-user': 'ada' } })
  t.same(mounted[0]!.params, { id: '42' })
  t.same(mounted[0]!.query, { tab: 'x' })
  t.equal(mounted[0]!.request.headers['x-user'], 'ada')
  t.same(mounted[0]!.props, {})
})

t.test('a route may override the template and the layout', async (t) => {
  class Bare extends LiveView { count = 7 }
  const app = await buildApp(t, [
    ['/bare', Bare, { template: 'counter.njk', layout: false }],
    ['/custom', CounterView, { layout: 'custom-layout.njk' }],
  ])
  const bare = await app.inject('/bare')
  t.match(bare.body, /^<div id="lv-[\w-]{10}" data-live-root/, 'layout: false renders the root alone')
  t.match(bare.body, /<span id="count">7<\/span>/)
  const custom = await app.inject('/custom')
  t.match(custom.body, /<title>custom 0<\/title><script type="module" src="\/_live\/live\.[0-9a-f]{10}\.js"/, 'live.scripts() and the view state are in the layout')
  t.match(custom.body, /<header>my app<\/header><div id="lv-[\w-]{10}" data-live-root/, 'live.content places the view')
})

t.test('the plugin layout option applies to every route', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]], { layout: false })
  t.match((await app.inject('/counter')).body, /^<div id="lv-/)
})

t.test('an app that registered @fastify/websocket and @fastify/view itself keeps them', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]], {}, async (app) => {
    await app.register(fastifyWebsocket)
    await app.register(fastifyView, { engine: { nunjucks }, root: FIXTURES })
    app.get('/plain', (request, reply) => reply.view('params.njk', { last: 'from the app' }))
  })
  t.match((await app.inject('/plain')).body, /last: from the app/)
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  await page.event('increment')
  t.match(page.html(), /<span id="count">1<\/span>/, 'live views render with their own Nunjucks environment')
})

t.test('app.live() refuses bad declarations, naming the problem', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  t.throws(() => app.live('counter', CounterView), { code: 'FST_LIVE_ROUTE', message: /app\.live\(\) needs a path starting with "\/"; got "counter"/ })
  t.throws(() => app.live('/a', CounterView, { permission: 'x' } as any), { code: 'FST_LIVE_ROUTE', message: /app\.live\('\/a'\) has no option "permission"; the options are permissions, template, layout/ })
  t.throws(() => app.live('/a', CounterView, { permissions: [''] }), { code: 'FST_LIVE_ROUTE', message: /permissions must be a permission string or a list of them/ })
  t.throws(() => app.live('/a', CounterView, { permissions: 5 as any }), { code: 'FST_LIVE_ROUTE' })
  t.throws(() => app.live('/a', CounterView, { layout: 'nope.njk' }), { code: 'FST_LIVE_TEMPLATE', message: /the template "nope\.njk" of the layout of \/a was not found/ })
  t.throws(() => app.live('/a', class NotAView {} as any), { code: 'FST_LIVE_VIEW' })
  app.live('/counter', CounterView)
  t.throws(() => app.live('/counter', CounterView), { code: 'FST_LIVE_ROUTE', message: /app\.live\('\/counter'\) is declared twice/ })
})

t.test('routes inside a prefixed plugin carry the full path in their tokens', async (t) => {
  const prefixed = Fastify({ logger: false })
  t.teardown(() => prefixed.close())
  await prefixed.register(live, { templates: FIXTURES, secret: SECRET })
  await prefixed.register(async (scope) => { scope.live('/counter', CounterView) }, { prefix: '/app' })
  const page = await openLive(prefixed, '/app/counter')
  t.teardown(() => page.close())
  const claims = JSON.parse(Buffer.from(page.roots[0]!.token.split('.')[0]!, 'base64url').toString())
  t.equal(claims.r, '/app/counter')
  t.equal((await page.event('increment')).t, 'reply', 'and join through it')
})

t.test('a bad plugin option fails register', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(live, { templates: FIXTURES, secret: 'short' }) }, { code: 'FST_LIVE_OPTIONS' })
})

t.test('a mount that throws on GET fails the request', async (t) => {
  class Failing extends LiveView {
    static override template = 'counter.njk'
    count = 0
    override mount () { throw new Error('no database') }
  }
  const app = await buildApp(t, [['/failing', Failing]])
  const res = await app.inject('/failing')
  t.equal(res.statusCode, 500)
})

t.test('a render that throws on GET fails the request and leaks no view', async (t) => {
  class Fragile extends LiveView {
    static override template = 'fragile.njk'
    count = 0
    broken = true
  }
  const app = await buildApp(t, [['/fragile', Fragile]])
  t.equal((await app.inject('/fragile')).statusCode, 500)
  t.equal(liveStats(app).views, 0)
})
