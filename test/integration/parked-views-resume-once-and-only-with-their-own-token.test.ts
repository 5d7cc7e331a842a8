import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import type { WebSocket } from 'ws'
import live, { LiveView, eventHandler, type LiveOptions, type MountContext } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots, type ServerFrame } from '../../lib/testing.js'
import { FIXTURES, SECRET } from '../helpers/app.js'
import { closed, listen, realSocket, until } from '../helpers/live.js'

// Parking over real sockets: a socket that drops (no close frame, 1006 on
// the server) parks its views; a socket closed with 1000/1001 or a `leave`
// ends them. Who may resume a parked view, how often, for how long.

interface Tap { teardown (fn: () => unknown): void }
let mounts = 0
let unmounts = 0

class ParkView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  /** Not rendered: makes the parked entry as large as `?big=` asks. */
  big = ''

  override mount ({ query }: MountContext) {
    mounts += 1
    if (typeof query.big === 'string') this.big = 'x'.repeat(Number(query.big))
  }

  override unmount () { unmounts += 1 }

  @eventHandler()
  increment () { this.count += 1 }
}

t.beforeEach(() => { mounts = 0; unmounts = 0 })

/** A listening app with ParkView at /park; `warnings` collects what it logs at warn. */
async function start (t: Tap, options: LiveOptions = {}): Promise<{ app: FastifyInstance, base: string, warnings: string[] }> {
  const warnings: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push(JSON.parse(line).msg) } } } })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET, ...options })
  app.live('/park', ParkView)
  return { app, base: await listen(app), warnings }
}

/** A page rendered over HTTP, joined over a real socket. */
async function open (app: FastifyInstance, base: string, url = '/park'): Promise<{ page: LivePage, socket: WebSocket, body: string }> {
  const body = (await app.inject(url)).body
  return { ...await rejoin(base, body), body }
}

/** The page `body` joined again over a new socket, as the browser does after a reconnect. */
async function rejoin (base: string, body: string, token?: string): Promise<{ page: LivePage, socket: WebSocket, join: ServerFrame }> {
  const socket = await realSocket(base)
  const roots = parseRoots(body)
  const page = new LivePage(body, roots, socket)
  const join = await page.send({ t: 'join', id: roots[0]!.id, token: token ?? roots[0]!.token })
  return { page, socket, join }
}

/** Drop the socket (no close frame) and wait until the server has parked its views. */
async function drop (app: FastifyInstance, socket: WebSocket): Promise<void> {
  const before = liveStats(app).sockets
  socket.terminate()
  await until(() => liveStats(app).sockets === before - 1, 'the server to see the drop')
}

const count = (page: LivePage): string => /id="count">(\d+)</.exec(page.html())![1]!

t.test('a dropped view resumes on a rejoin with its token: its state, the full render, no mount and no unmount', async (t) => {
  const { app, base } = await start(t)
  const { page, socket, body } = await open(app, base)
  for (let i = 0; i < 3; i++) await page.event('increment')
  await drop(app, socket)
  t.equal(liveStats(app).views, 0, 'the parked view is no live view')

  const again = await rejoin(base, body)
  t.equal(again.join.t, 'reply')
  t.equal(again.join.fresh, undefined, 'not mounted anew')
  t.match(again.join.html, /id="count">3</, 'the full render of its state')
  t.equal(mounts, 1, 'mount ran once: for the HTTP render')
  t.equal(unmounts, 0)
  await again.page.event('increment')
  t.equal(count(again.page), '4', 'events go on from the same state')
  again.socket.close(1001)
})

t.test("a forged token or another root's token is refused, and the parked view is left as it was", async (t) => {
  const { app, base } = await start(t)
  const a = await open(app, base)
  const b = await open(app, base)
  await a.page.event('increment')
  await a.page.event('increment')
  await drop(app, a.socket)
  await drop(app, b.socket)
  const [aRoot] = parseRoots(a.body)
  const [bRoot] = parseRoots(b.body)

  // B's claims with A's root id, under B's signature: the signature no longer matches
  const [bBody, bMac] = bRoot!.token.split('.')
  const claims = JSON.parse(Buffer.from(bBody!, 'base64url').toString())
  const forged = `${Buffer.from(JSON.stringify({ ...claims, i: aRoot!.id })).toString('base64url')}.${bMac}`
  const withForged = await rejoin(base, a.body, forged)
  t.match(withForged.join, { t: 'error', code: 'join_refused', id: aRoot!.id })
  withForged.socket.close(1000)

  const withOthers = await rejoin(base, a.body, bRoot!.token)
  t.match(withOthers.join, { t: 'error', code: 'join_refused', message: /another view/ })
  withOthers.socket.close(1000)

  const withOwn = await rejoin(base, a.body)
  t.equal(withOwn.join.fresh, undefined, 'the valid rejoin still resumes it')
  t.match(withOwn.join.html, /id="count">2</, 'with the state it was parked with')
  const bAgain = await rejoin(base, b.body)
  t.match(bAgain.join.html, /id="count">0</)
  t.equal(bAgain.join.fresh, undefined, 'and B resumes its own')
  t.equal(mounts, 2, 'the refused joins mounted nothing')
  withOwn.socket.close(1001)
  bAgain.socket.close(1001)
})

t.test('a parked view resumes once: a second rejoin with the same token mounts anew, and of two racing rejoins one resumes', async (t) => {
  const { app, base } = await start(t)
  const { page, socket, body } = await open(app, base)
  await page.event('increment')
  await drop(app, socket)
  const first = await rejoin(base, body)
  t.equal(first.join.fresh, undefined)
  t.match(first.join.html, /id="count">1</)
  const replay = await rejoin(base, body)
  t.equal(replay.join.fresh, true, 'replaying the token mounts a new view')
  t.match(replay.join.html, /id="count">0</, 'which has none of the parked state')
  t.equal(mounts, 2)

  await first.page.event('increment')
  await drop(app, first.socket)
  const racing = await Promise.all([rejoin(base, body), rejoin(base, body)])
  t.same(racing.map((r) => r.join.fresh === true).sort(), [false, true], 'one resumes, the other mounts')
  t.same(racing.map((r) => /id="count">(\d+)</.exec(r.join.html as string)![1]).sort(), ['0', '2'])
  for (const r of [replay, ...racing]) r.socket.close(1001)
})

t.test('a parked view expires after reconnectTtl and leaves nothing; a later rejoin mounts anew', async (t) => {
  const reconnectTtl = 40
  const { app, base } = await start(t, { reconnectTtl })
  const { page, socket, body } = await open(app, base)
  await page.event('increment')
  await drop(app, socket)
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0, topics: 0 })
  // nothing tells the outside that a park expired: wait well past its TTL
  await sleep(reconnectTtl * 4)
  const late = await rejoin(base, body)
  t.equal(late.join.fresh, true)
  t.match(late.join.html, /id="count">0</)
  t.equal(mounts, 2)
  t.equal(unmounts, 0, 'a parked view does not unmount, not even when its park expires (docs/reconnects.md)')
  late.socket.close(1001)
  await until(() => liveStats(app).views === 0, 'the view to end')
})

t.test('a view larger than maxParkedBytes is not parked, and a warning names it', async (t) => {
  const { app, base, warnings } = await start(t, { maxParkedBytes: 4096 })
  const small = await open(app, base)
  const large = await open(app, base, '/park?big=5000')
  await drop(app, small.socket)
  await drop(app, large.socket)
  t.match(warnings, [/ParkView was not parked: its state and render take \d+ bytes, more than maxParkedBytes \(4096\); a rejoin mounts it again/])
  t.equal(warnings.length, 1, 'the small one was parked quietly')
  t.equal((await rejoin(base, large.body)).join.fresh, true, 'the large one mounts again')
  t.equal((await rejoin(base, small.body)).join.fresh, undefined, 'the small one resumes')
})

t.test('unmount runs once when the browser closes the socket (1001) or leaves, never for a drop; a resumed view unmounts when it ends', async (t) => {
  const { app, base } = await start(t)
  const closing = await open(app, base)
  const code = closed(closing.socket)
  closing.socket.close(1001)
  await code
  await until(() => unmounts === 1, 'unmount after a 1001 close')

  const leaving = await open(app, base)
  await leaving.page.send({ t: 'leave', id: leaving.page.roots[0]!.id })
  t.equal(unmounts, 2, 'unmount after a leave')
  leaving.socket.close(1000)
  await until(() => liveStats(app).sockets === 0, 'the socket to close')
  t.equal(unmounts, 2, 'and not again when its socket closes')

  const dropping = await open(app, base)
  await drop(app, dropping.socket)
  t.equal(unmounts, 2, 'a dropped socket parks its view: no unmount')
  const resumed = await rejoin(base, dropping.body)
  t.equal(resumed.join.fresh, undefined)
  resumed.socket.close(1001)
  await until(() => unmounts === 3, 'the resumed view unmounts when it ends')
  t.equal(mounts, 3, 'three page loads, three mounts')
})

t.test('app.close() parks every view, runs unmount and closes the sockets with 1012', async (t) => {
  const { app, base } = await start(t)
  const { socket } = await open(app, base)
  const code = closed(socket)
  await app.close()
  t.equal(await code, 1012)
  t.equal(unmounts, 1)
  t.match(liveStats(app), { views: 0, sockets: 0 })
})
