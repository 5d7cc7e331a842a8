import Fastify from 'fastify'
import t from 'tap'
import live, { LiveView, errors, eventHandler } from '../../lib/index.js'
import { FIXTURES, SECRET } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'startup-typos.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
  reset () { this.count = 0 }
  @eventHandler() save () {}
}

/** An app whose log lines (JSON, warn and above) are kept in `lines`. */
function appWithLog () {
  const lines: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  return { app, lines }
}

t.test('a typo in a template warns in the app log when the route is declared, once per view', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  app.live('/a', CounterView)
  app.live('/b', CounterView)
  await app.ready()
  const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('startup-typos')).map((l) => l.msg)
  t.same(warnings, [
    'fastify-live: startup-typos.njk:2: live-click="incremnt" names no handler of CounterView; the nearest handler is "increment"',
    'fastify-live: startup-typos.njk:3: live-click="reset" names CounterView.reset(), which lacks @eventHandler; add @eventHandler() to it so the browser may call it',
    'fastify-live: startup-typos-part.njk:1: live-submit="sav" names no handler of CounterView; the nearest handler is "save"',
    "fastify-live: startup-typos-part.njk:2: live.embed('Crat') names no embed of CounterView; it has no `static embeds`",
  ], 'the second route of the same view and template adds none')
  const page = await app.inject('/a')
  t.equal(page.statusCode, 500, 'the undeclared embed still fails the render, as before')
})

t.test('a template without typos logs nothing', async (t) => {
  const { app, lines } = appWithLog()
  t.teardown(() => app.close())
  class Good extends LiveView {
    static override template = 'counter.njk'
    count = 0
    @eventHandler() increment () { this.count++ }
  }
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  app.live('/', Good)
  await app.ready()
  t.same(lines.filter((l) => l.msg.includes('counter.njk')), [])
  t.equal((await app.inject('/')).statusCode, 200)
})

t.test('registering the plugin twice fails with FST_LIVE_REGISTERED', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  const err = await app.register(live, { templates: FIXTURES, secret: SECRET }).then(() => null, (e: Error) => e)
  t.ok(err instanceof errors.FST_LIVE_REGISTERED)
  t.match(err, { code: 'FST_LIVE_REGISTERED', message: /already registered on this instance.*register it once, at the root/ })
})

t.test('registering it again in a child of an instance that has it fails too', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  app.register(async (child) => { await child.register(live, { templates: FIXTURES, secret: SECRET }) })
  await t.rejects(app.ready(), { code: 'FST_LIVE_REGISTERED' })
})

t.test("a 403 page uses the app's own layout; without one it is the plugin's page", async (t) => {
  class Secret extends LiveView {
    static override template = 'counter.njk'
    count = 0
    @eventHandler() increment () { this.count++ }
  }
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET, layout: 'custom-layout.njk', permissions: () => [] })
  app.live('/in-layout', Secret, { permissions: 'admin' })
  app.live('/alone', Secret, { permissions: 'admin', layout: false })
  app.live('/plugin-layout', Secret, { permissions: 'admin', layout: 'live/layout.njk' })
  const inLayout = await app.inject('/in-layout')
  t.equal(inLayout.statusCode, 403)
  t.match(inLayout.body, /<header>my app<\/header><main class="live-forbidden">/, "inside the app's layout")
  t.match(inLayout.body, /<main class="live-forbidden">\s*<h1>403 Forbidden<\/h1>/)
  t.notMatch(inLayout.body, /<script/, 'no bundle: there is no view to join')
  for (const path of ['/alone', '/plugin-layout']) {
    const res = await app.inject(path)
    t.equal(res.statusCode, 403)
    t.match(res.body, /^<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>403 Forbidden<\/title>/)
    t.notMatch(res.body, /my app/)
  }
})
