// LiveViewJS 0.8.1 (liveviewjs + @liveviewjs/express) serving the two views.
// Its views are written the way LiveViewJS wants them, with its `html` tagged
// template (its diffing needs the statics/dynamics split that Nunjucks does
// not give it), producing the same markup as counter.njk / table.njk: a
// check at start-up compares the two and refuses to run if they differ.
import { enforceLoopback } from '../loopback.mjs'
import http from 'node:http'
import mimeDb from 'mime-db'
import { createEnv, compileView, initialState, applyEvent, normalizeHtml, VIEW_NAMES } from '../views/views.mjs'
import { HOST, listenPort, ready } from './_common.mjs'

enforceLoopback()

// LiveViewJS fetches mime-db's db.json from a CDN while its module loads, so
// fetch must be replaced before the dynamic import below. The table is served
// from the local mime-db package; other non-loopback URLs are refused.
const realFetch = globalThis.fetch
globalThis.fetch = async function benchFetch (input, init) {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url)
  if (/\/mime-db[@/].*db\.json$/.test(url.pathname)) {
    return new Response(JSON.stringify(mimeDb), { status: 200, headers: { 'content-type': 'application/json' } })
  }
  if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return realFetch(input, init)
  throw new TypeError(`bench: refused a non-local fetch of ${url.href}`)
}

const { createLiveView, html, safe, mime } = await import('liveviewjs')
// Its loader logs and swallows failures; make sure the local table was taken.
await mime.load()
if (!mime.loaded || mime.lookupMimeType('png')[0] !== 'image/png') throw new Error('LiveViewJS did not load the local mime-db table')
const { NodeExpressLiveViewServer } = await import('@liveviewjs/express')
const { default: express } = await import('express')
const { WebSocketServer } = await import('ws')

// A view over the shared state and handlers of views.mjs; only the markup is LiveViewJS's own.
const sharedView = (view, render) => createLiveView({
  mount: (socket) => socket.assign(initialState(view)),
  handleEvent: (event, socket) => {
    // `socket.context` is a structured clone: change it, then assign it back.
    const ctx = socket.context
    applyEvent(view, ctx, event.type, event)
    socket.assign(ctx)
  },
  render
})

const counterView = sharedView('counter', (ctx) => html`<div class="counter">
  <button type="button" phx-click="inc">+1</button>
  <output id="count">${ctx.count}</output>
</div>`)

const tableView = sharedView('table', (ctx) => html`<table id="items">
  <thead><tr><th>ID</th><th>Name</th><th>Price</th><th>Done</th></tr></thead>
  <tbody>${ctx.rows.map((row) => html`
    <tr id="row-${row.id}" class="${row.checked ? 'done' : ''}">
      <td>${row.id}</td><td>${row.name}</td><td>${row.price}</td>
      <td><input type="checkbox" phx-click="toggle" phx-value-id="${row.id}"${row.checked ? ' checked' : ''}></td>
    </tr>`)}
  </tbody>
</table>`)

const views = { counter: counterView, table: tableView }

// Same markup as the Nunjucks templates, or no benchmark: compare an initial
// and a toggled state of each view, attribute names set to LiveViewJS's.
async function checkParity () {
  const env = createEnv()
  const templates = Object.fromEntries(VIEW_NAMES.map((v) => [v, compileView(env, v, { click: 'phx-click', idAttr: 'phx-value-id' })]))
  for (const view of VIEW_NAMES) {
    const states = [initialState(view)]
    const changed = initialState(view)
    applyEvent(view, changed, view === 'counter' ? 'inc' : 'toggle', { id: '4' })
    states.push(changed)
    for (const state of states) {
      const ours = normalizeHtml(templates[view].render(state))
      const theirs = normalizeHtml(String(await views[view].render(state, {})))
      if (ours !== theirs) {
        let i = 0
        while (ours[i] === theirs[i]) i++
        const at = Math.max(0, i - 60)
        throw new Error(`LiveViewJS ${view} markup differs from ${view}.njk at char ${i}:\n  njk: …${ours.slice(at, i + 60)}\n  lvj: …${theirs.slice(at, i + 60)}`)
      }
    }
  }
}
await checkParity()

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
// LiveViewJS keeps its CSRF token in req.session and then carries the whole
// session in the signed data-phx-session JWT, so an empty object per request
// is enough. A real session store would add per-page-load memory that has
// nothing to do with live sessions to the heap figures.
app.use((req, res, next) => {
  req.session = {}
  next()
})
app.use(liveServer.httpMiddleware())

const server = http.createServer(app)
const wss = new WebSocketServer({ server, path: '/live/websocket' })
await liveServer.wsMiddleware()(wss)

await new Promise((resolve, reject) => {
  server.once('error', reject)
  server.listen(listenPort(), HOST, resolve)
})
ready('liveviewjs', `http://${HOST}:${server.address().port}`)
