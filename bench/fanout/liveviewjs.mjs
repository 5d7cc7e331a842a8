// LiveViewJS 0.8.1 broadcasting with its own pub/sub: the server's default
// SingleProcessPubSub (one EventEmitter). Each view subscribes in mount once
// connected (`socket.subscribe`), and `handleInfo` makes the change a client
// event makes in bench/peers/liveviewjs.mjs, whose markup these views repeat
// (that peer checks it against the .njk files at start-up). A publish is
// `pubSub.broadcast` from inside the process (IPC trigger, see common.mjs).
import { enforceLoopback } from '../loopback.mjs'
import { EventEmitter } from 'node:events'
import http from 'node:http'
import mimeDb from 'mime-db'
import { initialState } from '../views/views.mjs'
import { HOST, listenPort, ready } from '../peers/_common.mjs'
import { onPublish, applyMessage, topicOf } from './common.mjs'

enforceLoopback()

// Its pub/sub is one EventEmitter with a listener per subscribed view: 10,000
// are expected here, not a leak.
EventEmitter.defaultMaxListeners = 0

// LiveViewJS fetches mime-db's table from a CDN as its module loads: answer
// that from the local package and refuse anything else non-local (as
// bench/peers/liveviewjs.mjs does).
const realFetch = globalThis.fetch
globalThis.fetch = async function benchFetch (input, init) {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
  if (/\/mime-db[@/].*db\.json$/.test(url.pathname)) {
    return new Response(JSON.stringify(mimeDb), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return realFetch(input, init)
  throw new TypeError(`bench: refused a non-local fetch of ${url.href}`)
}

const { createLiveView, html, safe } = await import('liveviewjs')
const { NodeExpressLiveViewServer } = await import('@liveviewjs/express')
const { default: express } = await import('express')
const { WebSocketServer } = await import('ws')

const subscribingView = (view, render) => createLiveView({
  mount: async (socket) => {
    socket.assign(initialState(view))
    if (socket.connected) await socket.subscribe(topicOf(view))
  },
  handleInfo: (info, socket) => {
    // `socket.context` is a structured clone: change it, then assign it back.
    const ctx = socket.context
    applyMessage(view, ctx, info)
    socket.assign(ctx)
  },
  render
})

const counterView = subscribingView('counter', (ctx) => html`<div class="counter">
  <button type="button" phx-click="inc">+1</button>
  <output id="count">${ctx.count}</output>
</div>`)

const tableView = subscribingView('table', (ctx) => html`<table id="items">
  <thead><tr><th>ID</th><th>Name</th><th>Price</th><th>Done</th></tr></thead>
  <tbody>${ctx.rows.map((row) => html`
    <tr id="row-${row.id}" class="${row.checked ? 'done' : ''}">
      <td>${row.id}</td><td>${row.name}</td><td>${row.price}</td>
      <td><input type="checkbox" phx-click="toggle" phx-value-id="${row.id}"${row.checked ? ' checked' : ''}></td>
    </tr>`)}
  </tbody>
</table>`)

const pageTemplate = (title, csrfToken, content) => html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="csrf-token" content="${csrfToken}"><title>${title.title}</title></head>
<body>
${safe(content)}
</body>
</html>`

const liveServer = new NodeExpressLiveViewServer(
  { '/counter': counterView, '/table': tableView },
  pageTemplate,
  { title: 'bench' },
  { serDeSigningSecret: 'bench-only-secret', onError: (err) => console.error('liveviewjs:', err) }
)

const app = express()
app.disable('x-powered-by')
app.use((req, res, next) => {
  req.session = {}
  next()
})
app.use(liveServer.httpMiddleware())

const server = http.createServer(app)
const wss = new WebSocketServer({ server, path: '/live/websocket' })
await liveServer.wsMiddleware()(wss)

onPublish(async (view, message) => {
  // Its handleInfo receives a `{ type }` object.
  await liveServer.pubSub.broadcast(topicOf(view), { type: 'fanout', ...message })
  return null
})

await new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(listenPort(), HOST, resolve)
})
ready('fanout-liveviewjs', `http://${HOST}:${server.address().port}`)
