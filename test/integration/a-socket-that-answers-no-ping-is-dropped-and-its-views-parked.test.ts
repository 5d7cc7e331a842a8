import t from 'tap'
import { once } from 'node:events'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { closed, listen, realSocket, until } from '../helpers/live.js'

// A network that vanishes (a laptop closed, a phone out of range) sends no
// close frame: without a heartbeat its views would stay mounted for good.
// The server pings every `pingInterval`; a socket that answered nothing
// since the last ping is dropped, and its views parked as for any drop.

let mounts = 0

class CountView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { mounts++ }
  @eventHandler() increment () { this.count++ }
}

const count = (page: LivePage): string => /id="count">(\d+)</.exec(page.html())![1]!

t.test('a socket that answers no ping is dropped; its view is parked and resumes with its state', async (t) => {
  const app = await buildApp(t, [['/count', CountView]], { pingInterval: 50 })
  const base = await listen(app)
  const body = (await app.inject('/count')).body
  const roots = parseRoots(body)

  // A client whose network is gone: it never answers a ping.
  const mute = await realSocket(base, {}, { autoPong: false })
  const page = new LivePage(body, roots, mute)
  await page.send({ t: 'join', id: roots[0]!.id, token: roots[0]!.token })
  await page.event('increment')
  await page.event('increment')
  const code = await closed(mute)
  t.equal(code, 1006, 'the server dropped it without a closing handshake')
  await until(() => liveStats(app).sockets === 0 && liveStats(app).views === 0, 'the server to release the socket and park its view')

  const socket = await realSocket(base)
  t.teardown(() => socket.close())
  const again = new LivePage(body, roots, socket)
  const join = await again.send({ t: 'join', id: roots[0]!.id, token: roots[0]!.token })
  t.equal(join.t, 'reply')
  t.notOk(join.fresh, 'resumed, not mounted again')
  t.equal(count(again), '2', 'with the state it had')
  t.equal(mounts, 1)
})

t.test('a socket that answers its pings stays open however long it is silent', async (t) => {
  // Long enough for a pong to come back on a loaded machine (client and server share this process).
  const app = await buildApp(t, [['/count', CountView]], { pingInterval: 250 })
  const base = await listen(app)
  const body = (await app.inject('/count')).body
  const roots = parseRoots(body)
  const socket = await realSocket(base)
  t.teardown(() => socket.close())
  const page = new LivePage(body, roots, socket)
  await page.send({ t: 'join', id: roots[0]!.id, token: roots[0]!.token })
  const dropped = closed(socket).then((code) => { throw new Error(`the socket was closed (${code})`) })
  for (let i = 0; i < 3; i++) await Promise.race([once(socket, 'ping'), dropped])
  t.equal(socket.readyState, socket.OPEN, 'three pings later, still open')
  await page.event('increment')
  t.equal(count(page), '1', 'and its view still answers')
  t.equal(liveStats(app).views, 1)
})

t.test('pingInterval must be a positive number of ms', async (t) => {
  await t.rejects(buildApp(t, [], { pingInterval: 0 }), { code: 'FST_LIVE_OPTIONS', message: /"pingInterval": give a number greater than 0/ })
})
