import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach, closed, listen, openSocketPage, realSocket, until } from '../helpers/live.js'

// lib/connection.ts through its API (a real app, an injected socket): which
// frames it refuses before any view sees them, which joins it refuses, and
// what a leave or a close does to the views it holds.

class Counter extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

/** Mounts once (the page's GET), then fails: a join that has to mount it again is refused. */
let failingMounts = 0
class Failing extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { if (++failingMounts > 1) throw new Error('no database') }
}

const routes = (): Array<[string, typeof Counter]> => [['/c', Counter], ['/other', Counter]]

t.test('frames that are not protocol frames are refused, each with its code, and the socket stays usable', async (t) => {
  const app = await buildApp(t, routes(), { maxMessageBytes: 2048 })
  const { page, socket } = await openSocketPage(app, '/c')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  const next = () => page.next((f) => f.t === 'error')
  let error = next()
  socket.send(Buffer.from('{"t":"render"}'), { binary: true })
  t.match(await error, { code: 'bad_message', message: /binary frames are not accepted/ })
  error = next()
  socket.send('{"t":')
  t.match(await error, { code: 'bad_message', message: /not valid JSON/ })
  t.match(await page.send({ t: 'nope', id }), { t: 'error', code: 'bad_message', message: /does not match the protocol/ }, 'an unknown frame kind, answered with its ref')
  t.match(await page.send({ t: 'event', id, h: 'increment', p: { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: { k: {} } } } } } } } } } } }, type: 'click' }), { code: 'bad_message', message: /nest too deeply/ })
  t.match(await page.send({ t: 'event', id, h: 'increment', p: { big: 'x'.repeat(3000) }, type: 'click' }), { t: 'error', code: 'too_large', id, message: /the limit is 2048 \(maxMessageBytes\)/ }, 'too large: its ref and id read from its first bytes')
  t.match(await page.event('increment'), { t: 'reply', v: 2 }, 'the view works on')
})

t.test('frames for a view not joined on the socket', async (t) => {
  const app = await buildApp(t, routes())
  const { page } = await openSocketPage(app, '/c')
  t.teardown(() => page.close())
  t.match(await page.send({ t: 'event', id: 'lv-aaaaaaaaaa', h: 'increment', p: {}, type: 'click' }), { t: 'error', code: 'unknown_view', message: /join it first/ })
  t.match(await page.send({ t: 'leave', id: 'lv-aaaaaaaaaa' }), { t: 'reply', id: 'lv-aaaaaaaaaa', v: 0 }, 'leaving a view that is gone is no error')
})

t.test('joins it refuses: another view\'s token, a second join, a forged token, too many views', async (t) => {
  const app = await buildApp(t, routes(), { maxViewsPerSocket: 2 })
  const { page } = await openSocketPage(app, '/c')
  t.teardown(() => page.close())
  const [mine] = page.roots
  const [other] = parseRoots((await app.inject('/other')).body)
  t.match(await page.send({ t: 'join', id: mine!.id, token: other!.token }), { t: 'error', code: 'join_refused', message: /belongs to another view/ })
  t.match(await page.send({ t: 'join', id: mine!.id, token: mine!.token }), { t: 'error', code: 'join_refused', message: /already joined on this socket/ })
  t.match(await page.send({ t: 'join', id: mine!.id, token: mine!.token.slice(0, -2) + 'xx' }), { t: 'error', code: 'join_refused', stale: true }, 'a token that does not verify: the page is stale')
  t.match(await page.send({ t: 'join', id: other!.id, token: other!.token }), { t: 'reply' })
  const [third] = parseRoots((await app.inject('/c')).body)
  t.match(await page.send({ t: 'join', id: third!.id, token: third!.token }), { t: 'error', code: 'join_refused', message: /the limit is 2 \(maxViewsPerSocket\)/ })
  t.match(await page.event('increment', {}, { id: third!.id }), { t: 'error', code: 'unknown_view' }, 'the refused view is not joined')
})

t.test('a view whose mount() throws on its join is refused with handler_error; the socket goes on', async (t) => {
  const app = await buildApp(t, [['/f', Failing], ['/c', Counter]])
  const body = (await app.inject('/f')).body
  const first = await attach(app, body)
  t.teardown(() => first.page.close())
  t.match(first.joins, [{ t: 'reply' }], 'the first join takes the view the GET rendered')
  // Another socket joining the same page finds nothing handed over: it mounts, which throws now.
  const { page } = await openSocketPage(app, '/c')
  t.teardown(() => page.close())
  const [root] = parseRoots(body)
  t.match(await page.send({ t: 'join', id: root!.id, token: root!.token }), { t: 'error', code: 'handler_error', id: root!.id, message: /Failing\.mount\(\) threw: no database/ })
  t.match(await page.event('increment'), { t: 'reply', v: 2 }, 'the socket still works')
})

t.test('a leave ends the view; a socket the page closes ends the rest', async (t) => {
  const app = await buildApp(t, routes())
  const body = (await app.inject('/c')).body
  // A real socket: its closing handshake reaches the server (1000: nothing is parked).
  const socket = await realSocket(await listen(app))
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  const [second] = parseRoots((await app.inject('/other')).body)
  t.match(await page.send({ t: 'join', id: second!.id, token: second!.token }), { t: 'reply' })
  t.match(liveStats(app), { views: 2, sockets: 1 })
  t.match(await page.send({ t: 'leave', id: page.roots[0]!.id }), { t: 'reply', v: 1 })
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_view' }, 'the left view is gone from the socket')
  t.equal(liveStats(app).views, 1)
  socket.close(1000)
  await closed(socket)
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  t.match(liveStats(app), { views: 0, sockets: 0 }, 'a socket closed by the page ends its views (nothing is parked)')
})
