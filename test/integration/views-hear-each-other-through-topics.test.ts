import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { LiveView, eventHandler } from '../../lib/index.js'
import { liveStats, openLive, type LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { until } from '../helpers/live.js'
import { RoomView } from '../fixtures/room-view.js'

async function room (t: Test, app: FastifyInstance, url: string): Promise<LivePage> {
  const page = await openLive(app, url)
  t.teardown(() => page.close())
  return page
}

/** Waits until the page shows `pattern` (patches arrive unasked). */
async function shows (page: LivePage, pattern: RegExp): Promise<void> {
  while (!pattern.test(page.html())) await page.next((f) => f.t === 'patch')
}

t.test('a message published by one view reaches every view subscribed to its topic, and no other', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]])
  const alice = await room(t, app, '/rooms/1')
  const bob = await room(t, app, '/rooms/1')
  const other = await room(t, app, '/rooms/2')
  await alice.event('say', { text: 'hello' })
  await shows(bob, /<li>me: hello<\/li>/)
  t.match(alice.html(), /<li>me: hello<\/li>/, 'the publisher hears its own message')
  t.notMatch(other.html(), /hello/, 'another room hears nothing')
  t.match(alice.html(), /<p id="infos">1<\/p>/, 'once')
})

t.test('exceptSelf leaves the publishing view out', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]])
  const alice = await room(t, app, '/rooms/1')
  const bob = await room(t, app, '/rooms/1')
  await alice.event('say', { text: 'psst', exceptSelf: true })
  await shows(bob, /psst/)
  t.notMatch(alice.html(), /psst/)
})

t.test('app.live.publish reaches views from any server code, such as a route', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]], {}, (app) => {
    app.post('/announce', async () => { await app.live.publish('room:1', { from: 'system', text: 'deploy at 5' }); return 'ok' })
  })
  const alice = await room(t, app, '/rooms/1')
  t.equal((await app.inject({ method: 'POST', url: '/announce' })).body, 'ok')
  await shows(alice, /system: deploy at 5/)
})

t.test('a view rendered over HTTP but never joined receives nothing', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]])
  await openLive(app, '/rooms/1', { join: false })
  t.equal(liveStats(app).topics, 0, 'the subscription made in mount waits for the join')
  const alice = await room(t, app, '/rooms/1')
  t.equal(liveStats(app).topics, 1)
  await app.live.publish('room:1', { from: 'x', text: 'y' })
  await shows(alice, /x: y/)
})

t.test('messages must be JSON data: anything else fails the publish and says why', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]])
  await t.rejects(app.live.publish('room:1', { when: new Date() }), { code: 'FST_LIVE_PUBLISH', message: /message\.when is a Date/ })
  await t.rejects(app.live.publish('room:1', { f: () => 1 }), { code: 'FST_LIVE_PUBLISH', message: /message\.f is a function/ })
  await t.rejects(app.live.publish('', {}), { code: 'FST_LIVE_TOPIC' })
})

t.test('messages run in event order, and a burst that arrives while the view is busy renders once', async (t) => {
  let release!: () => void
  class SlowRoom extends RoomView {
    @eventHandler() async wait () { await new Promise<void>((resolve) => { release = resolve }) }
  }
  const app = await buildApp(t, [['/rooms/:id', SlowRoom]])
  const page = await room(t, app, '/rooms/1')
  const frames: string[] = []
  const busy = page.event('wait')
  await until(() => release !== undefined, 'the handler to start')
  for (let k = 0; k < 50; k++) await app.live.publish('room:1', { from: 'n', text: String(k) })
  const patched = page.next((f) => f.t === 'patch')
  release()
  t.equal((await busy).t, 'reply')
  const patch = await patched
  frames.push(patch.t)
  t.match(page.html(), /<p id="infos">50<\/p>/, 'all 50 were handled')
  t.match(page.html(), /<li>n: 0<\/li>.*<li>n: 49<\/li>/s, 'in the order sent')
  t.same(frames, ['patch'], 'and sent as one render')
})

t.test('a handleInfo that throws is isolated like a handler error: logged, reported, the view keeps working', async (t) => {
  class Fragile extends RoomView {
    override handleInfo (topic: string, message: unknown) {
      if ((message as { text: string }).text === 'boom') throw new Error('cannot take it')
      super.handleInfo(topic, message)
    }
  }
  const app = await buildApp(t, [['/rooms/:id', Fragile]])
  const page = await room(t, app, '/rooms/1')
  const error = page.next((f) => f.t === 'error')
  await app.live.publish('room:1', { from: 'x', text: 'boom' })
  t.match(await error, { code: 'handler_error', handler: 'handleInfo', message: /Fragile\.handleInfo\("room:1"\) threw: cannot take it/ })
  await app.live.publish('room:1', { from: 'x', text: 'fine' })
  await shows(page, /x: fine/)
})

t.test('unsubscribe stops the messages; closing the views leaves no subscription behind', async (t) => {
  const app = await buildApp(t, [['/rooms/:id', RoomView]])
  const page = await room(t, app, '/rooms/1')
  await page.event('leaveRoom')
  t.equal(liveStats(app).topics, 0)
  await app.live.publish('room:1', { from: 'x', text: 'unheard' })
  await page.event('say', { text: 'own' }) // a round trip: anything delivered would have arrived first
  t.notMatch(page.html(), /unheard/)
})

t.test('10,000 subscribers of one topic, then all of them gone, leave nothing behind', async (t) => {
  class Listener extends LiveView {
    static override template = 'counter.njk'
    count = 0
    override mount () { this.subscribe('big') }
    override handleInfo () { this.count++ }
  }
  const app = await buildApp(t, [['/l', Listener]], { maxViewsPerSocket: 10_000, rateLimit: { burst: 50_000, perSecond: 50_000 } })
  const page = await openLive(app, '/l')
  // More views of the same route on one socket: each GET's root joined over the first page's socket.
  for (let batch = 0; batch < 99; batch++) {
    const bodies = await Promise.all(Array.from({ length: 101 }, async () => (await app.inject('/l')).body))
    await Promise.all(bodies.map((body) => {
      const [, id, token] = /id="(lv-[\w-]{10})" data-live-root data-live-token="([^"]+)"/.exec(body)!
      return page.send({ t: 'join', id, token })
    }))
  }
  t.match(liveStats(app), { views: 10_000, topics: 1 })
  const before = liveStats(app).renders
  await app.live.publish('big', { n: 1 })
  t.equal(liveStats(app).renders - before, 1, 'a broadcast to 10,000 views of equal state renders once')
  page.close()
  await until(() => liveStats(app).views === 0, 'the views to close', 10_000)
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0, topics: 0 })
})
