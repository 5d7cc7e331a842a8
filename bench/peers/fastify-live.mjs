// fastify-live itself, from dist/ (`npm run bench` builds it first), serving
// bench/views/counter.njk and table.njk unchanged, with the state and
// handlers every peer shares (views/views.mjs). Plain JavaScript: handler
// metadata through `static handlers` (API.md §2).
import { enforceLoopback } from '../loopback.mjs'
import Fastify from 'fastify'
// LIVE_DIST: another build's dist/index.js, to pair two builds (bench/pair.mjs).
const { default: live, LiveView } = await import(process.env.LIVE_DIST ?? '../../dist/index.js')
import { initialState, applyEvent, VIEWS_DIR } from '../views/views.mjs'
import { HOST, listenPort, ready } from './_common.mjs'

enforceLoopback()

class CounterView extends LiveView {
  static template = 'counter.njk'
  static handlers = { inc: {} }
  count = initialState('counter').count
  inc () { applyEvent('counter', this, 'inc', {}) }
}

class TableView extends LiveView {
  static template = 'table.njk'
  static handlers = { toggle: { params: ['id'] } }
  rows = initialState('table').rows
  toggle (p) { applyEvent('table', this, 'toggle', p) }
}

const app = Fastify({ logger: false })
await app.register(live, { templates: VIEWS_DIR, secret: 'bench-secret-bench-secret-bench-secret', rateLimit: { burst: 1_000_000, perSecond: 1_000_000 } })
app.live('/counter', CounterView)
app.live('/table', TableView)
await app.listen({ host: HOST, port: listenPort() })
ready('fastify-live', `http://${HOST}:${app.server.address().port}`)
