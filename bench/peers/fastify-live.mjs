// The fastify-live peer: NOT WIRED YET. It is filled in once the library in
// lib/ builds; until then it exits with EXIT_NOT_WIRED and bench/run.mjs
// skips it. The client side, bench/drivers/fastify-live.mjs, already speaks
// docs/protocol.md.
//
// What this script must do (the contract in ./_common.mjs):
//   - enforceLoopback(); listen on 127.0.0.1:listenPort(); then
//     ready('fastify-live', origin) to print the READY line;
//   - serve GET /counter and GET /table as live routes whose views use
//     bench/views/counter.njk and table.njk unchanged (they are written with
//     fastify-live's attributes: live-click="inc|toggle", data-id="N");
//   - state and handlers come from bench/views/views.mjs, so every peer does
//     the same work: initialState(view) for the properties, and the handlers
//     `inc` (no params) and `toggle` (params { id }, a numeric string as the
//     browser sends it) calling applyEvent(view, this, h, params).
// The runner starts it with NODE_ENV=production and --expose-gc.
//
// A sketch, to be checked against the real API once it exists (plain JS:
// handler metadata through `static handlers`, API.md §2):
//
//   import live, { LiveView } from 'fastify-live'
//   class CounterView extends LiveView {
//     static template = 'counter.njk'
//     static handlers = { inc: {} }
//     count = 0
//     inc () { applyEvent('counter', this, 'inc', {}) }
//   }
//   class TableView extends LiveView {
//     static template = 'table.njk'
//     static handlers = { toggle: { params: { id: { type: 'integer' } } } }
//     rows = initialState('table').rows
//     toggle (p) { applyEvent('table', this, 'toggle', p) }
//   }
//   const app = Fastify({ logger: false })
//   await app.register(live, { templates: VIEWS_DIR, secret: 'bench-only-secret' })
//   app.live('/counter', CounterView)
//   app.live('/table', TableView)
//   await app.listen({ host: HOST, port: listenPort() })
//   ready('fastify-live', `http://${HOST}:${app.server.address().port}`)
import { EXIT_NOT_WIRED } from './_common.mjs'

console.error('fastify-live peer: not wired yet (bench/peers/fastify-live.mjs is a stub until lib/ exists)')
process.exit(EXIT_NOT_WIRED)
