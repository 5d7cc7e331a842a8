import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { closed, listen, openSocketPage, realSocket, until } from '../helpers/live.js'

// A handler that never settles, and a client that keeps sending: what waits
// behind the handler is bounded, refused past the bound (`busy`), dropped
// with the view, and `handlerTimeout` / `app.close()` free the view.

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Promises the hung handlers wait on, kept alive the way an app's pending lock or request would keep them. */
const hung: Array<Promise<void>> = []
const signals: AbortSignal[] = []
let increments = 0

class StuckView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @eventHandler()
  async hang (_p: unknown, event: LiveEvent) {
    signals.push(event.signal)
    const forever = new Promise<void>(() => {})
    hung.push(forever)
    await forever
  }

  @eventHandler()
  increment () { increments++; this.count++ }
}

t.beforeEach(() => { increments = 0 })

const event = (id: string, ref: number, h: string, pad = '') => JSON.stringify({ t: 'event', ref, id, h, p: pad === '' ? {} : { pad }, type: 'click' })

t.test('frames beyond queueLimit wait for nothing: they are refused busy and never run', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]], { queueLimit: { events: 3, bytes: 1_000_000 } })
  const { page, socket } = await openSocketPage(app, '/stuck')
  // Not a closing handshake: the in-memory client would wait 30 s (ws closeTimeout) for an answer that a closed app never sends.
  t.teardown(() => socket.terminate())
  const id = page.roots[0]!.id
  const answers = page.frames
  socket.send(event(id, 100, 'hang'))
  for (let ref = 101; ref <= 105; ref++) socket.send(event(id, ref, 'increment'))
  await until(() => answers.filter((f) => f.ref !== undefined && f.ref > 100).length === 2, 'two answers')
  const busy = answers.filter((f) => f.ref !== undefined && f.ref > 100)
  t.match(busy, [{ t: 'error', code: 'busy', ref: 104, id }, { t: 'error', code: 'busy', ref: 105, id }], 'the 4th and 5th frame behind the hung handler are refused')
  t.match(busy[0]!.message, /StuckView already has 3 frames \(or 1000000 bytes\) waiting; wait for the answers before sending more \(queueLimit\)/)
  t.equal(increments, 0, 'nothing behind the hung handler ran')
})

t.test('the bytes waiting are bounded too', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]], { queueLimit: { events: 1000, bytes: 2000 } })
  const { page, socket } = await openSocketPage(app, '/stuck')
  // Not a closing handshake: the in-memory client would wait 30 s (ws closeTimeout) for an answer that a closed app never sends.
  t.teardown(() => socket.terminate())
  const id = page.roots[0]!.id
  socket.send(event(id, 100, 'hang'))
  const frames = [101, 102, 103].map((ref) => event(id, ref, 'increment', 'x'.repeat(800)))
  for (const f of frames) socket.send(f)
  t.ok(frames[0]!.length * 2 <= 2000 && frames[0]!.length * 3 > 2000, 'two frames fit in 2000 bytes, three do not')
  await until(() => page.frames.some((f) => f.ref === 103), 'the third frame answered')
  t.match(page.frames.filter((f) => f.ref !== undefined && f.ref > 100), [{ t: 'error', code: 'busy', ref: 103 }], 'only the third is refused')
})

t.test('what a never-settling handler holds: with the defaults, a bounded queue (figure)', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]], { rateLimit: { burst: 10_000, perSecond: 10_000 } })
  const { page, socket } = await openSocketPage(app, '/stuck')
  // Not a closing handshake: the in-memory client would wait 30 s (ws closeTimeout) for an answer that a closed app never sends.
  t.teardown(() => socket.terminate())
  const id = page.roots[0]!.id
  socket.send(event(id, 100, 'hang'))
  const sent = 200
  const frame = (ref: number) => event(id, ref, 'increment', 'x'.repeat(60_000))
  for (let ref = 101; ref <= 100 + sent; ref++) socket.send(frame(ref))
  await until(() => page.frames.some((f) => f.ref === 100 + sent), 'the last frame answered', 10_000)
  const refused = page.frames.filter((f) => f.code === 'busy').length
  const held = sent - refused
  const bytes = held * frame(101).length
  t.ok(bytes <= 1_048_576, `held ${held} frames, ${bytes} bytes, within queueLimit.bytes (1 MiB)`)
  t.equal(held, Math.floor(1_048_576 / frame(101).length), 'as many as fit')
  t.comment(`a never-settling handler fed ${sent} frames of 60 KB: ${held} held (${(bytes / 1024).toFixed(0)} KiB), ${refused} refused busy (queueLimit defaults: 64 frames, 1 MiB)`)
})

t.test('after the socket closes, nothing queued stays reachable', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]], { queueLimit: { events: 200, bytes: 32_000_000 }, rateLimit: { burst: 10_000, perSecond: 10_000 } })
  const { page, socket } = await openSocketPage(app, '/stuck')
  const id = page.roots[0]!.id
  socket.send(event(id, 100, 'hang'))
  const count = 150
  const size = 60_000
  for (let ref = 101; ref <= 100 + count; ref++) socket.send(event(id, ref, 'increment', String(ref).repeat(size / 3)))
  // Frames are dispatched in order: once this one is answered, all before it are queued.
  socket.send(JSON.stringify({ t: 'event', ref: 999, id: 'lv-nosuchview', h: 'x', p: {}, type: 'click' }))
  await until(() => page.frames.some((f) => f.ref === 999), 'the marker answered')
  t.same(page.frames.filter((f) => f.ref !== undefined && f.ref >= 100 && f.ref < 999), [], 'all queued, none answered')
  gc()
  const before = process.memoryUsage().heapUsed
  const code = closed(socket)
  page.close()
  await code
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  t.same(liveStats(app), { views: 0, tasks: 0, sockets: 0 }, 'liveStats back to zero')
  gc()
  const freed = before - process.memoryUsage().heapUsed
  // The hung handler is still reachable (its promise is kept), and with it the view: only dropping the queue frees the frames.
  t.ok(freed > 0.8 * count * size, `the ${count} queued frames (${(count * size / 1e6).toFixed(1)} MB) were freed with the view: ${(freed / 1e6).toFixed(1)} MB`)
  t.ok(hung.length > 0, 'while the hung handler stays reachable')
})

t.test('handlerTimeout answers handler_error and the next event runs', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]], { handlerTimeout: 50 })
  const { page, socket } = await openSocketPage(app, '/stuck')
  t.teardown(() => socket.terminate())
  const stuck = page.event('hang')
  const next = page.event('increment')
  t.match(await stuck, { t: 'error', code: 'handler_error', message: /StuckView\.hang\(\) threw: it did not settle within handlerTimeout \(50 ms\)/ })
  t.match(await next, { t: 'reply', v: 2 }, 'the queue moved on')
  t.match(page.html(), /<span id="count">1<\/span>/)
})

t.test('app.close() resolves while a handler hangs, and aborts its signal', async (t) => {
  const app = await buildApp(t, [['/stuck', StuckView]])
  // A real socket: the closing handshake completes as with a browser.
  const base = await listen(app)
  const body = (await app.inject('/stuck')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  const id = page.roots[0]!.id
  signals.length = 0
  socket.send(event(id, 100, 'hang'))
  socket.send(event(id, 101, 'increment'))
  await until(() => signals.length === 1, 'the handler to start')
  const code = closed(socket)
  await app.close()
  t.equal(await code, 1001, 'the page was told the server is going away')
  t.equal(signals[0]!.aborted, true, 'the hung handler was told the view closed')
  t.same(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
  t.equal(increments, 0, 'the event queued behind it never ran')
})
