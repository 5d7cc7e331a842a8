import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { closed, listen, openSocketPage, realSocket, until } from '../helpers/live.js'
import { moveDateNow } from '../helpers/clock.js'

let runs = 0

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { runs++; this.count++ }
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
