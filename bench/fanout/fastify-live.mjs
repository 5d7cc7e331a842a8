// fastify-live broadcasting: the views of bench/views subscribe to their
// view's topic in mount; `handleInfo` makes the change a load-client event
// makes in bench/peers/fastify-live.mjs (counter: +1; table: toggle a row).
// A publish is `app.live.publish` from inside the process (IPC trigger, see
// common.mjs). With FANOUT_REDIS set, the app uses that Redis server, so two
// of these processes are one app.
import { enforceLoopback } from '../loopback.mjs'
import Fastify from 'fastify'
import live, { LiveView } from '../../dist/index.js'
import { liveStats } from '../../dist/testing.js'
import { initialState, applyEvent, VIEWS_DIR } from '../views/views.mjs'
import { HOST, listenPort, ready } from '../peers/_common.mjs'
import { onPublish, applyMessage, topicOf } from './common.mjs'

enforceLoopback()

// FANOUT_PURE=1: the views promise that handleInfo depends only on their public state and the message (docs/pubsub.md).
const PURE = process.env.FANOUT_PURE === '1'

class CounterView extends LiveView {
  static template = 'counter.njk'
  static pureHandleInfo = PURE
  static handlers = { inc: {} }
  count = initialState('counter').count
  mount () { this.subscribe(topicOf('counter')) }
  handleInfo (topic, message) { applyMessage('counter', this, message) }
  inc () { applyEvent('counter', this, 'inc', {}) }
}

class TableView extends LiveView {
  static template = 'table.njk'
  static pureHandleInfo = PURE
  static handlers = { toggle: { params: ['id'] } }
  rows = initialState('table').rows
  mount () { this.subscribe(topicOf('table')) }
  handleInfo (topic, message) { applyMessage('table', this, message) }
  toggle (p) { applyEvent('table', this, 'toggle', p) }
}

const app = Fastify({ logger: false })
await app.register(live, {
  templates: VIEWS_DIR,
  secret: 'bench-secret-bench-secret-bench-secret',
  rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
  ...(process.env.FANOUT_REDIS ? { redis: process.env.FANOUT_REDIS } : {})
})
app.live('/counter', CounterView)
app.live('/table', TableView)

onPublish(async (view, message) => {
  const renders = liveStats(app).renders
  await app.live.publish(topicOf(view), message)
  // Renders of this process's views made by the synchronous delivery (the
  // other process's, over Redis, are counted there).
  return { renders: liveStats(app).renders - renders, views: liveStats(app).views }
})

await app.listen({ host: HOST, port: listenPort() })
ready('fanout-fastify-live', `http://${HOST}:${app.server.address().port}`)
