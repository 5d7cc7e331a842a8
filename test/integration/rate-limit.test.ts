import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { ANSWERED_REFUSALS, FRAME_COST } from '../../lib/rate-limit.js'
import { closed, listen, openSocketPage, realSocket, until } from '../helpers/live.js'
import { deferred } from '../helpers/deferred.js'
import { moveDateNow } from '../helpers/clock.js'

let runs = 0

let gate = deferred()

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { runs++; this.count++ }
  /** Holds the view's queue until the test opens the gate. */
  @eventHandler() async hold () { await gate.promise }
}


t.beforeEach(() => { runs = 0 })

// burst 7: the join (it costs 4) and three events; then perSecond refills.
const options = { rateLimit: { burst: 7, perSecond: 2 } }

t.test('frames beyond the burst are refused as rate_limited and never handled', async (t) => {
  moveDateNow(t)
  const app = await buildApp(t, [['/counter', CounterView]], options)
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  for (let k = 0; k < 3; k++) t.equal((await page.event('increment')).t, 'reply')
  const refused = page.next((f) => f.t === 'error')
  page.event('increment').catch(() => {})
  t.match(await refused, { t: 'error', code: 'rate_limited', message: /more than 2 frames a second; slow down/ })
  t.equal(runs, 3)
})

t.test('the bucket refills with time', async (t) => {
  const time = moveDateNow(t)
  const app = await buildApp(t, [['/counter', CounterView]], options)
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  for (let k = 0; k < 3; k++) await page.event('increment')
  const refused = page.next((f) => f.t === 'error')
  page.event('increment').catch(() => {})
  await refused
  time.advance(1000)
  const reply = await page.event('increment')
  t.equal(reply.t, 'reply', 'after a second, perSecond frames are allowed again')
  t.match(page.html(), /<span id="count">4<\/span>/)
})

t.test('every refused frame is answered with its ref, so the browser can settle each call', async (t) => {
  moveDateNow(t)
  const app = await buildApp(t, [['/counter', CounterView]], options)
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  for (let k = 0; k < 3; k++) await page.event('increment')
  const refused = await Promise.all(Array.from({ length: 3 }, () => page.event('increment')))
  t.same(refused.map((f) => f.code), ['rate_limited', 'rate_limited', 'rate_limited'])
  t.equal(new Set(refused.map((f) => f.ref)).size, 3, 'each answer names its own frame')
  t.equal(runs, 3)
})

t.test('a socket that keeps flooding is closed', async (t) => {
  moveDateNow(t)
  const app = await buildApp(t, [['/counter', CounterView]], options)
  // A real socket, so the closing handshake completes as it would in a browser.
  const base = await listen(app)
  const body = (await app.inject('/counter')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  const code = closed(socket)
  for (let k = 0; k < 12; k++) page.event('increment').catch(() => {})
  t.equal(await code, 1008, 'closed as a policy violation')
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
  // The burst's frames may still sit in the view queue when the socket closes; those are dropped with it.
  t.ok(runs <= 3, `no frame beyond the burst ran (${runs} ran)`)
})

t.test('each socket has its own bucket', async (t) => {
  moveDateNow(t)
  const app = await buildApp(t, [['/counter', CounterView]], options)
  const flooded = await openSocketPage(app, '/counter')
  t.teardown(() => flooded.page.close())
  for (let k = 0; k < 3; k++) await flooded.page.event('increment')
  const refused = flooded.page.next((f) => f.t === 'error')
  flooded.page.event('increment').catch(() => {})
  await refused
  const other = await openSocketPage(app, '/counter')
  t.teardown(() => other.page.close())
  t.equal((await other.page.event('increment')).t, 'reply')
})

/** A page on a real socket, joined, with its close code to await. */
async function realPage (t: Test, opts: Record<string, unknown>) {
  const app = await buildApp(t, [['/counter', CounterView]], opts)
  const base = await listen(app)
  const body = (await app.inject('/counter')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  t.teardown(() => page.close())
  await page.join()
  return { app, page, socket, id: page.roots[0]!.id, code: closed(socket) }
}

t.test('a render request costs what a full render costs', async (t) => {
  moveDateNow(t)
  // 26 tokens: the join takes 4, each render 10, any frame 1 before it is read (a refused render too).
  const app = await buildApp(t, [['/counter', CounterView]], { rateLimit: { burst: 26, perSecond: 1 } })
  const { page } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  t.equal(FRAME_COST.render, 10)
  t.match(await page.send({ t: 'render', id }), { t: 'reply', html: /count/ })
  t.match(await page.send({ t: 'render', id }), { t: 'reply', html: /count/ })
  t.match(await page.send({ t: 'render', id }), { t: 'error', code: 'rate_limited', message: /a full render as 10/ }, 'a third render is one too many')
  t.match(await page.event('increment'), { t: 'reply' }, 'while the last token still buys an event')
})

t.test('render requests that arrive while one is queued are answered by it: one full render, then bare acks', async (t) => {
  gate = deferred()
  const { page, socket, id } = await realPage(t, {})
  const held = page.event('hold')
  for (let ref = 100; ref < 105; ref++) socket.send(JSON.stringify({ t: 'render', ref, id }))
  const answers = Promise.all([100, 101, 102, 103, 104].map((ref) => page.next((f) => f.ref === ref)))
  gate.resolve()
  await held
  const [first, ...rest] = await answers
  t.match(first, { t: 'reply', ref: 100, id, html: /<span id="count">0<\/span>/ }, 'the first gets the full render')
  t.same(rest.map((f) => [f.t, f.html]), Array(4).fill(['reply', undefined]), 'the four merged into it get a bare ack each')
  t.same(rest.map((f) => f.v), Array(4).fill(first!.v), 'at the version that render holds')
})

t.test('render requests that arrive together (one read of the socket) share one full render', async (t) => {
  const { page, socket, id } = await realPage(t, {})
  const refs = [200, 201, 202, 203, 204, 205]
  const answers = Promise.all(refs.map((ref) => page.next((f) => f.ref === ref)))
  // Sent in one go: the server (in this process) reads the six frames at once, as it does a flooder's burst.
  for (const ref of refs) socket.send(JSON.stringify({ t: 'render', ref, id }))
  const got = await answers
  t.same(got.map((f) => [f.t, typeof f.html]), [['reply', 'string'], ...Array(5).fill(['reply', 'undefined'])], 'one full render, then a bare acknowledgement for each of the others')
  t.same(got.map((f) => f.v), Array(6).fill(got[0]!.v), 'all at the version that render holds')
})

t.test('a flood is closed by its refusals over a window even while it earns a trickle of tokens', async (t) => {
  const time = moveDateNow(t)
  runs = 0
  const { page, code } = await realPage(t, options)
  for (let k = 0; k < 3; k++) await page.event('increment')
  // From now on, every half second buys one event, and two more are refused.
  const verdicts: string[] = []
  for (let k = 0; k < 10 && verdicts.length < 40; k++) {
    time.advance(500)
    const answers = await Promise.race([
      Promise.all([page.event('increment'), page.event('increment'), page.event('increment')]),
      code.then(() => null),
    ])
    if (answers === null) break
    verdicts.push(...answers.map((a) => a.t === 'reply' ? 'ok' : a.code!))
  }
  // Either the loop ended at the close, or the flood outlived 10 windows' worth of frames: no waiting on a close that may not come.
  t.equal(await Promise.race([code, new Promise((resolve) => setImmediate(() => resolve('still open')))]), 1008, 'closed as a policy violation')
  t.ok(verdicts.includes('ok'), `some frames were handled on the way (${verdicts.join(' ')})`)
  t.ok(verdicts.filter((v) => v === 'rate_limited').length <= options.rateLimit.burst, 'closed once its refusals passed the burst within the window')
})

t.test(`a flooder gets ${ANSWERED_REFUSALS} answers to its refused frames, then silence, then the close`, async (t) => {
  moveDateNow(t)
  const burst = 50
  const { page, socket, id, code } = await realPage(t, { rateLimit: { burst, perSecond: 1 } })
  for (let ref = 100; ref < 100 + burst + 60; ref++) socket.send(JSON.stringify({ t: 'event', ref, id, h: 'increment', p: {}, type: 'click' }))
  t.equal(await code, 1008)
  const refused = page.frames.filter((f) => f.code === 'rate_limited')
  t.equal(refused.length, ANSWERED_REFUSALS, `only the first ${ANSWERED_REFUSALS} refusals were answered`)
  t.equal(page.frames.filter((f) => f.t === 'reply').length, 1 + burst - FRAME_COST.join, 'the join and the events its tokens bought')
})
