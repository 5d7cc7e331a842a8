// A storm app process (bench/storm.mjs starts two: A and B): Fastify with
// fastify-live and the bench's counter view, on the Redis server named by
// STORM_REDIS, with one secret, so the two are one app. On SIGTERM it does
// what the deploy guide says a server should: `app.close()` (which parks
// every view in Redis, then closes the sockets with 1012), then exits; it
// prints the monotonic clock at both ends of the close.
import Fastify from 'fastify'
import live, { LiveView } from '../../dist/index.js'
import { liveStats } from '../../dist/testing.js'
import { enforceLoopback } from '../loopback.mjs'
import { initialState, applyEvent, VIEWS_DIR } from '../views/views.mjs'
import { HOST, listenPort } from '../peers/_common.mjs'

enforceLoopback()

class CounterView extends LiveView {
  static template = 'counter.njk'
  static handlers = { inc: {} }
  count = initialState('counter').count
  inc () { applyEvent('counter', this, 'inc', {}) }
}

const app = Fastify({ logger: { level: 'warn' } })
await app.register(live, {
  templates: VIEWS_DIR,
  secret: 'bench-storm-secret-bench-storm-secret',
  redis: process.env.STORM_REDIS,
  // Each session sends a few events; the limiter is not what is measured.
  rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
})
app.live('/counter', CounterView)

process.once('SIGTERM', async () => {
  const t0 = process.hrtime.bigint()
  const views = liveStats(app).views
  process.stdout.write(`CLOSING ${t0} ${views}\n`)
  await app.close()
  process.stdout.write(`CLOSED ${process.hrtime.bigint()}\n`, () => process.exit(0))
})
// With the runner gone, do not linger.
process.on('disconnect', () => process.exit(0))

await app.listen({ host: HOST, port: listenPort() })
process.stdout.write(`READY storm http://${HOST}:${app.server.address().port}\n`)
