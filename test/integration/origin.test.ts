import t, { type Test } from 'tap'
import { LiveView } from '../../lib/index.js'
import { LivePage, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { listen, realSocket } from '../helpers/live.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
}

async function setUp (t: Test, allowedOrigins?: string[]) {
  const app = await buildApp(t, [['/counter', CounterView]], allowedOrigins === undefined ? {} : { allowedOrigins })
  const base = await listen(app)
  return { app, base }
}

t.test('a socket from a foreign Origin is refused at the upgrade', async (t) => {
  const { base } = await setUp(t)
  await t.rejects(realSocket(base, { origin: 'https://evil.example' }), { message: 'Unexpected server response: 403' })
  await t.rejects(realSocket(base, { origin: 'not a url' }), { message: 'Unexpected server response: 403' }, 'an unreadable Origin too')
  await t.rejects(realSocket(base, { origin: base.replace('127.0.0.1', 'localhost') }), { message: /403/ }, 'another host name is another origin')
})

t.test('a socket from the page own origin is accepted and works', async (t) => {
  const { app, base } = await setUp(t)
  const socket = await realSocket(base, { origin: base })
  const body = (await app.inject('/counter')).body
  const page = new LivePage(body, parseRoots(body), socket)
  t.teardown(() => page.close())
  const [joined] = await page.join()
  t.match(joined, { t: 'reply', v: 1 })
})

t.test('allowedOrigins admits other origins', async (t) => {
  const { base } = await setUp(t, ['https://app.example'])
  const socket = await realSocket(base, { origin: 'https://app.example' })
  t.teardown(() => socket.terminate())
  t.equal(socket.readyState, 1)
  await t.rejects(realSocket(base, { origin: 'https://other.example' }), { message: /403/ })
})

t.test('a client without Origin (not a browser) is accepted', async (t) => {
  const { base } = await setUp(t)
  const socket = await realSocket(base)
  t.teardown(() => socket.terminate())
  t.equal(socket.readyState, 1)
})

t.test('the right host with the wrong scheme or port is refused', async (t) => {
  const { base } = await setUp(t)
  const port = Number(new URL(base).port)
  await t.rejects(realSocket(base, { origin: base.replace('http:', 'https:') }), { message: /403/ }, 'an https page')
  await t.rejects(realSocket(base, { origin: `http://127.0.0.1:${port + 1}` }), { message: /403/ }, 'a page on another port')
  await t.rejects(realSocket(base, { origin: 'http://127.0.0.1' }), { message: /403/ }, 'a page on the default port')
})

t.test('allowedHosts refuses a socket whose Host it does not list (DNS rebinding)', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]], { allowedHosts: ['127.0.0.1'] })
  const base = await listen(app)
  const port = new URL(base).port
  // A page on rebind.attacker.example whose name now resolves to this server: same-origin to the browser.
  const rebound = `rebind.attacker.example:${port}`
  await t.rejects(realSocket(base, { host: rebound, origin: `http://${rebound}` }), { message: /403/ })
  await t.rejects(realSocket(base, { host: rebound }), { message: /403/ }, 'with or without Origin')
  // Listed without the port: only that exact Host passes.
  await t.rejects(realSocket(base), { message: /403/ }, `127.0.0.1:${port} is not 127.0.0.1`)
})

t.test('allowedHosts admits the listed Host', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]], { allowedHosts: ['live.example'] })
  const base = await listen(app)
  const port = new URL(base).port
  const socket = await realSocket(base, { host: 'live.example', origin: 'http://live.example' })
  t.teardown(() => socket.terminate())
  t.equal(socket.readyState, 1, `Host live.example on port ${port}: listed, and the Origin matches it`)
  const body = (await app.inject({ url: '/counter', headers: { host: 'live.example' } })).body
  const page = new LivePage(body, parseRoots(body), socket)
  const [joined] = await page.join()
  t.match(joined, { t: 'reply', v: 1 })
})
