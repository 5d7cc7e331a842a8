import { setImmediate as turn } from 'node:timers/promises'
import t from 'tap'
import { LiveView, eventHandler, type LiveOptions } from '../../lib/index.js'
import { FRAME_COST } from '../../lib/rate-limit.js'
import { liveStats, type ServerFrame } from '../../lib/testing.js'
import { BigView, CounterView, bounded, open, serve } from '../helpers/hardening.js'
import { closed, until } from '../helpers/live.js'

// What a client can make the server keep or do, on real sockets: a client
// that stops reading (while a task pushes, or while it asks for renders) and
// sockets flooding `render` frames of a large view. Each is bounded by bytes
// or by the rate limit, never by how long the test waits.

const FILLER = 'x'.repeat(16_000)
/** The feed's task runs while this is true; the test stops it. */
let feeding = false
let pushes = 0

class FeedView extends LiveView {
  static override template = 'feed.njk'
  n = 0
  tick = 0
  filler = ''

  /** Pushes a new 16 KB render on every turn of the event loop until the test stops it. */
  @eventHandler()
  start () {
    feeding = true
    this.startAsync('feed', async (signal) => {
      while (feeding && !signal.aborted) {
        this.tick++
        this.filler = `${this.tick}${FILLER}`
        await this.push()
        pushes++
        await turn()
      }
    })
  }

  @eventHandler() increment () { this.n++ }
}

const event = (id: string, ref: number, h: string) => JSON.stringify({ t: 'event', ref, id, h, p: {}, type: 'click' })

t.beforeEach(() => { feeding = false; pushes = 0 })

t.test('a client that stops reading while a task pushes: the server buffers at most maxBufferedBytes, and the reader that resumes gets one full render, then deltas', async (t) => {
  const maxBufferedBytes = 128 * 1024
  const { app, base } = await serve(t, [['/feed', FeedView]], { maxBufferedBytes, drainTimeout: 120_000 })
  const { page, socket, serverSide } = await open(app, base, '/feed')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  socket.pause()
  socket.send(event(id, 100, 'start'))
  // The kernel's buffers fill first; then the server's own.
  await until(() => serverSide.bufferedAmount > maxBufferedBytes, 'the server buffer to pass the budget', 20_000)
  const frameBytes = FILLER.length + 200
  const atBudget = pushes
  let most = 0
  await until(() => { most = Math.max(most, serverSide.bufferedAmount); return pushes >= atBudget + 300 }, '300 more pushes', 20_000)
  t.ok(most <= maxBufferedBytes + frameBytes, `300 pushes of ${frameBytes} bytes later the server holds ${most} unsent bytes: at most maxBufferedBytes (${maxBufferedBytes}) and one frame`)
  feeding = false
  await until(() => liveStats(app).tasks === 0, 'the feed to stop')
  const lastTick = pushes
  const sawLast = (f: ServerFrame) => f.t === 'patch' && typeof f.html === 'string' && f.html.includes(`tick=${lastTick} `)
  socket.resume()
  await until(() => page.frames.some(sawLast), 'the last render to arrive', 20_000)
  const patches = page.frames.filter((f) => f.t === 'patch')
  const gap = patches.findIndex((f, k) => k > 0 && f.v !== patches[k - 1]!.v! + 1)
  t.ok(gap > 0, `renders were held back: versions ${patches[gap - 1]?.v} to ${patches[gap]?.v} were never sent`)
  t.equal(patches.length - gap, 1, 'after them, one full render')
  t.ok(sawLast(patches.at(-1)!), 'with the view as it is now')
  t.ok(patches.length < lastTick / 2, `${patches.length} patches sent for ${lastTick} pushes`)
  const reply = await page.event('increment')
  t.ok(Array.isArray(reply.d) && reply.html === undefined, 'the next change is a delta again')
  t.match(page.html(), new RegExp(`<p id="n">1</p>\\s*<pre>tick=${lastTick} ${lastTick}x`), 'and the page converges on the server render')
  t.equal(serverSide.readyState, 1, 'the socket stayed open: it drained within drainTimeout')
})

t.test('many clients that stop reading hold at most maxTotalBufferedBytes together, each below its own budget, and each that reads again converges', async (t) => {
  const sockets = 6
  const maxBufferedBytes = 1024 * 1024
  const maxTotalBufferedBytes = 256 * 1024
  const { app, base } = await serve(t, [['/feed', FeedView]], { maxBufferedBytes, maxTotalBufferedBytes, drainTimeout: 120_000 })
  const clients = await Promise.all(Array.from({ length: sockets }, () => open(app, base, '/feed')))
  t.teardown(() => { for (const c of clients) c.page.close() })
  const unsent = () => clients.reduce((n, c) => n + c.serverSide.bufferedAmount, 0)
  for (const c of clients) {
    c.socket.pause()
    c.socket.send(event(c.page.roots[0]!.id, 100, 'start'))
  }
  // Each socket's kernel buffers fill first; then the server's own.
  await until(() => unsent() > maxTotalBufferedBytes, 'the sockets together to pass the total', 20_000)
  const atTotal = pushes
  // Enough for every socket to fill its own budget, were the total not enforced.
  const more = Math.ceil((sockets * maxBufferedBytes) / FILLER.length) * 2
  let most = 0
  await until(() => { most = Math.max(most, unsent()); return pushes >= atTotal + more }, `${more} more pushes`, 30_000)
  // A socket is held back once it is behind (past Node's 16 KiB write buffer): each may hold that and one frame.
  const frameBytes = FILLER.length + 200
  const bound = maxTotalBufferedBytes + sockets * (16 * 1024 + frameBytes)
  t.ok(most <= bound, `${more} pushes of ${frameBytes} bytes later the ${sockets} sockets hold at most ${most} unsent bytes together: within maxTotalBufferedBytes (${maxTotalBufferedBytes}) and 16 KiB and one frame each (${bound}); their own budgets would allow ${sockets * maxBufferedBytes}`)
  t.ok(clients.every((c) => c.serverSide.bufferedAmount < maxBufferedBytes), 'each below its own budget')
  feeding = false
  await until(() => liveStats(app).tasks === 0, 'the feeds to stop')
  for (const c of clients) c.socket.resume()
  // A view held back is sent whole once its socket drains.
  await until(() => clients.every((c) => c.serverSide.bufferedAmount === 0 && c.page.frames.some((f) => f.t === 'patch' && typeof f.html === 'string')), 'every page to drain and get a full render', 20_000)
  for (const [k, c] of clients.entries()) {
    const reply = await c.page.event('increment')
    t.equal(reply.t, 'reply', `page ${k}: the next event is answered`)
    const shown = c.page.html()
    const server = await c.page.send({ t: 'render', id: c.page.roots[0]!.id })
    t.equal(shown, server.html, `page ${k}: and the page converges on the server render`)
    t.equal(c.serverSide.readyState, 1, `page ${k}: the socket stayed open`)
  }
})

const stalls: Array<[string, LiveOptions, RegExp]> = [
  ['past its own budget', { maxBufferedBytes: 64 * 1024 }, /closed a socket that stayed past maxBufferedBytes \(65536 bytes\) for drainTimeout \(300 ms\): the client is not reading/],
  ['held back by the total of all sockets', { maxTotalBufferedBytes: 64 * 1024 }, /closed a socket that stayed past maxTotalBufferedBytes \(65536 bytes, all sockets\) for drainTimeout \(300 ms\): the client is not reading/],
]
for (const [what, budget, warning] of stalls) t.test(`a client that never reads again (${what}) is closed after drainTimeout with 1013, logged once`, async (t) => {
  const { app, base, logs } = await serve(t, [['/feed', FeedView]], { ...budget, drainTimeout: 300 })
  const { page, socket, serverSide } = await open(app, base, '/feed')
  t.teardown(() => page.close())
  const codes: number[] = []
  const close = serverSide.close.bind(serverSide)
  serverSide.close = (code?: number, reason?: string | Buffer) => { codes.push(code!); close(code, reason) }
  const serverClosed = new Promise<void>((resolve) => serverSide.once('close', () => resolve()))
  socket.pause()
  socket.send(event(page.roots[0]!.id, 100, 'start'))
  t.equal(await bounded(serverClosed.then(() => 'closed'), 30_000, 'still open'), 'closed', 'the server closed the socket')
  t.equal(codes[0], 1013, 'with 1013 (try again later)')
  await until(() => liveStats(app).sockets === 0, 'the server to count the close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 }, 'its view and task ended with it')
  const warned = logs.filter((l) => warning.test(l.msg))
  t.equal(warned.length, 1, 'logged once')
  socket.terminate()
})

t.test('a client that stops reading while asking for renders of a large view: bounded, not read until it drains, and answered once it reads', async (t) => {
  const maxBufferedBytes = 256 * 1024
  const { app, base } = await serve(t, [['/big', BigView]], { maxBufferedBytes, rateLimit: { burst: 100_000, perSecond: 100_000 } })
  const { page, socket, serverSide } = await open(app, base, '/big')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  const html = page.html()
  t.ok(html.length > 160_000, `the view is ${html.length} bytes`)
  socket.pause()
  let received = 0
  serverSide.on('message', () => received++) // after the server's own listener: the frame has been handled
  let sent = 0
  let bytesIn = 0
  const send = () => {
    const frame = JSON.stringify({ t: 'render', ref: 1000 + sent++, id })
    bytesIn += frame.length
    socket.send(frame)
  }
  // One at a time, each handled before the next is sent (requests that arrive together merge into one render), until the server is past its budget.
  while (serverSide.bufferedAmount <= maxBufferedBytes && sent < 1000) {
    send()
    await until(() => received === sent, `render ${sent} to be read`)
    await turn() // answered once the frames read with it are in (lib/session.ts requestRender)
  }
  t.ok(serverSide.bufferedAmount > maxBufferedBytes, `past the budget after ${sent} renders`)
  send() // answered without its HTML; the view is marked stale and the socket no longer read
  await until(() => received === sent, 'the render past the budget to be read')
  await turn()
  const atBudget = received
  for (let k = 0; k < 300; k++) send()
  for (let k = 0; k < 50; k++) await turn()
  t.equal(received, atBudget, 'the 300 frames sent since are not read: the server stopped reading the socket')
  const buffered = serverSide.bufferedAmount
  t.ok(buffered <= maxBufferedBytes + html.length + 200, `${sent} render frames (${bytesIn} bytes in) leave ${buffered} bytes buffered: at most maxBufferedBytes and one render`)
  t.comment(`a non-reader asking for ${sent} renders of a ${(html.length / 1024).toFixed(0)} KB view: ${bytesIn} bytes in, ${(buffered / 1024).toFixed(0)} KiB buffered by the server (answered in full, the ${sent} would be ${(sent * html.length / 1e6).toFixed(0)} MB)`)
  socket.resume()
  await until(() => page.frames.filter((f) => f.ref !== undefined && f.ref >= 1000).length === sent, 'every render answered', 20_000)
  t.equal(received, sent, 'once it drained, the server read the rest')
  const answers = page.frames.filter((f) => f.ref !== undefined && f.ref >= 1000)
  t.equal(new Set(answers.map((f) => f.ref)).size, sent, 'each exactly once')
  t.ok(answers.every((f) => f.t === 'reply'), 'each with a reply')
  await until(() => page.frames.some((f) => f.t === 'patch' && f.html !== undefined), 'the render held back to arrive once drained', 20_000)
  t.equal(page.html(), html, 'the page holds the view')
})

t.test('5 sockets flooding renders of a large view: a good client is still answered, and each flooder got only what its tokens buy', async (t) => {
  const { app, base } = await serve(t, [['/big', BigView], ['/counter', CounterView]], {})
  const { burst, perSecond } = { burst: 200, perSecond: 100 } // the defaults
  const good = await open(app, base, '/counter')
  t.teardown(() => good.page.close())
  const started = Date.now()
  const flooders = await Promise.all(Array.from({ length: 5 }, () => open(app, base, '/big')))
  const codes = flooders.map((f) => closed(f.socket))
  // Each flooder sends 10 render frames every turn of the event loop until it is closed.
  const floods = flooders.map(async (f) => {
    const id = f.page.roots[0]!.id
    for (let ref = 1000; f.socket.readyState === 1; await turn()) {
      for (let k = 0; k < 10; k++) f.socket.send(JSON.stringify({ t: 'render', ref: ref++, id }))
    }
  })
  const latencies: number[] = []
  const replies: ServerFrame[] = []
  for (let k = 0; k < 100; k++) {
    const sentAt = performance.now()
    replies.push(await good.page.event('increment'))
    latencies.push(performance.now() - sentAt)
  }
  t.same(replies.filter((r) => r.t !== 'reply'), [], 'every event of the good client was answered with its reply')
  t.match(good.page.html(), /<span id="count">100<\/span>/)
  const closes = await Promise.all(codes.map((c) => bounded(c, 30_000, -1)))
  await Promise.all(floods)
  t.same(closes, Array(5).fill(1008), 'each flooder was closed for its refusals')
  const elapsed = (Date.now() - started) / 1000
  const affordable = Math.ceil((burst + perSecond * elapsed) / FRAME_COST.render) + 1
  for (const [k, f] of flooders.entries()) {
    const full = f.page.frames.filter((x) => x.ref !== undefined && x.ref >= 1000 && typeof x.html === 'string').length
    const errors = f.page.frames.filter((x) => x.t === 'error').length
    t.ok(full >= 1 && full <= affordable, `flooder ${k}: ${full} full renders, what its tokens buy at ${FRAME_COST.render} a render (≤ ${affordable})`)
    t.ok(errors <= 20, `flooder ${k}: ${errors} error frames, then silence`)
  }
  latencies.sort((a, b) => a - b)
  t.comment(`good client while 5 sockets flood renders: p50 ${latencies[49]!.toFixed(1)} ms, p99 ${latencies[98]!.toFixed(1)} ms (bench/hardening.mjs measures it against idle)`)
})
