import t, { type Test } from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach } from '../helpers/live.js'
import { inspect, startRedis, until } from '../helpers/redis.js'

let mounts = 0

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { mounts++; this.subscribe('counters') }
  override handleInfo () { this.count += 100 }
  @eventHandler() increment () { this.count++ }
}

t.beforeEach(() => { mounts = 0 })

/** Two apps (as two processes would be) sharing one real redis-server. */
async function twoApps (t: Test, options: Record<string, unknown> = {}) {
  const redis = await startRedis(t)
  const a = await buildApp(t, [['/counter', CounterView]], { redis: redis.url, ...options })
  const b = await buildApp(t, [['/counter', CounterView]], { redis: redis.url, ...options })
  return { redis, a, b }
}

/** The Redis key a view waits under (the prefix is derived from the app's secret). */
async function parkedKey (client: ReturnType<typeof inspect>, id: string): Promise<string | undefined> {
  const [key] = await client.keys(`live:*:view:${id}`)
  return key
}

async function rejoin (app: Awaited<ReturnType<typeof buildApp>>, body: string) {
  const { page, joins } = await attach(app, body)
  t.teardown(() => page.close())
  return { page, join: joins[0]! }
}

t.test('a page rendered by one process and joined on another adopts the rendered state: mount runs once', async (t) => {
  const { a, b } = await twoApps(t)
  const body = (await a.inject('/counter?x=1')).body
  const { page, join } = await rejoin(b, body)
  t.match(join, { t: 'reply', v: 1 })
  t.notOk('html' in join, 'the page already holds that render')
  t.notOk('fresh' in join)
  t.equal(mounts, 1, 'mount ran once, on the process that rendered the page')
  await page.event('increment')
  t.match(page.html(), /<span id="count">1<\/span>/)
  t.match(liveStats(b), { views: 1, topics: 1 }, 'the subscription made in mount travelled with the view')
  await (b.live as any)[Symbol.for('fastify-live.core')].engines.pubsub.synced()
  const patched = page.next((f) => f.t === 'patch') // before publishing: the patch may come before the publish resolves
  await a.live.publish('counters', {})
  await patched
  t.match(page.html(), /<span id="count">101<\/span>/, 'a publish on one process reaches the view on the other')
})

t.test('a view parked on one process resumes on another, with its state, once', async (t) => {
  const { redis, a, b } = await twoApps(t)
  const body = (await a.inject('/counter')).body
  const first = await attach(a, body)
  for (let k = 0; k < 3; k++) await first.page.event('increment')
  first.page.close() // a drop: parked in Redis
  const client = inspect(t, redis.url)
  let key: string | undefined
  await until('the view is parked', async () => (key = await parkedKey(client, parseRoots(body)[0]!.id)) !== undefined)
  const { page, join } = await rejoin(b, body)
  t.match(join, { t: 'reply', html: /<span id="count">3<\/span>/ })
  t.notOk('fresh' in join, 'resumed, not mounted')
  t.equal(mounts, 1)
  await page.event('increment')
  t.match(page.html(), /<span id="count">4<\/span>/)
  t.equal(await client.exists(key!), 0, 'taken: nothing is left in Redis')
  const again = await rejoin(a, body)
  t.match(again.join, { t: 'reply', fresh: true }, 'a second resume of the same view mounts anew')
})

t.test('the process that rendered a page leaves alone the park another process made since: its wait ends without taking it, a rejoin there resumes it', async (t) => {
  const { redis, a, b } = await twoApps(t, { handoffTtl: 300 })
  const body = (await a.inject('/counter')).body
  const first = await attach(b, body) // the socket on the other process: it takes the handed-over view
  for (let k = 0; k < 3; k++) await first.page.event('increment')
  first.page.close() // a drop: parked in Redis by b
  const client = inspect(t, redis.url)
  let key: string | undefined
  await until('the view is parked', async () => (key = await parkedKey(client, parseRoots(body)[0]!.id)) !== undefined)
  await until('a\'s wait for its own render ended', () => (a.live as any)[Symbol.for('fastify-live.core')].handoff.size === 0)
  t.equal(await client.exists(key!), 1, 'the park is still there')
  const { page, join } = await rejoin(a, body)
  t.match(join, { t: 'reply', html: /<span id="count">3<\/span>/ }, 'resumed with its state')
  t.notOk('fresh' in join)
  t.equal(mounts, 1)
  await page.event('increment')
  t.match(page.html(), /<span id="count">4<\/span>/)
})

t.test('two joins racing for one parked view: one resumes it, the other mounts', async (t) => {
  const { redis, a, b } = await twoApps(t)
  const body = (await a.inject('/counter')).body
  const first = await attach(a, body)
  await first.page.event('increment')
  first.page.close()
  const client = inspect(t, redis.url)
  await until('the view is parked', async () => (await parkedKey(client, parseRoots(body)[0]!.id)) !== undefined)
  const [x, y] = await Promise.all([rejoin(a, body), rejoin(b, body)])
  t.same([x.join.fresh, y.join.fresh].sort(), [true, undefined].sort(), 'exactly one mounted')
})

t.test('a parked entry expires from Redis after reconnectTtl', async (t) => {
  const { redis, a } = await twoApps(t, { reconnectTtl: 200 })
  const body = (await a.inject('/counter')).body
  const first = await attach(a, body)
  first.page.close()
  const client = inspect(t, redis.url)
  let key: string | undefined
  await until('the view is parked', async () => (key = await parkedKey(client, parseRoots(body)[0]!.id)) !== undefined)
  await until('the park expires', async () => (await client.exists(key!)) === 0)
  t.pass('nothing is left')
})

t.test('with Redis away, a join mounts the view again and nothing crashes', async (t) => {
  const { redis, a, b } = await twoApps(t)
  const body = (await a.inject('/counter')).body
  await redis.stop()
  const { page, join } = await rejoin(b, body)
  t.match(join, { t: 'reply', fresh: true })
  await page.event('increment')
  t.match(page.html(), /<span id="count">1<\/span>/)
})

t.test('app.close() parks every view in Redis, and another process resumes them', async (t) => {
  const { a, b } = await twoApps(t)
  const body = (await a.inject('/counter')).body
  const first = await attach(a, body)
  for (let k = 0; k < 2; k++) await first.page.event('increment')
  await a.close()
  const { join } = await rejoin(b, body)
  t.match(join, { t: 'reply', html: /<span id="count">2<\/span>/ })
  t.notOk('fresh' in join)
})

