// The raw floor: Fastify + ws + Nunjucks and nothing else. Each event frame
// `{"h": handler, "p": params}` updates the socket's state, and the reply is
// the view's full HTML, as one text frame. Any live-view framework does at
// least this much work per event; the gap to this peer is its overhead.
import { enforceLoopback } from '../loopback.mjs'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import nunjucks from 'nunjucks'
import { createEnv, compileView, initialState, applyEvent, VIEW_NAMES } from '../views/views.mjs'
import { HOST, listenPort, ready } from './_common.mjs'

enforceLoopback()

const env = createEnv()
const layout = env.getTemplate('layout.njk')
// fastify-live's own markup, unchanged: this is the floor for exactly that work.
const templates = Object.fromEntries(VIEW_NAMES.map((v) => [v, compileView(env, v)]))

const app = Fastify({ logger: false })
await app.register(websocket)

for (const view of VIEW_NAMES) {
  const template = templates[view]

  app.get(`/${view}`, async (request, reply) => {
    const content = new nunjucks.runtime.SafeString(template.render(initialState(view)))
    reply.type('text/html; charset=utf-8')
    return layout.render({ title: view, content, rootAttrs: new nunjucks.runtime.SafeString(` data-socket="/ws/${view}"`) })
  })

  app.get(`/ws/${view}`, { websocket: true }, (socket) => {
    const state = initialState(view)
    // Attached synchronously: frames that arrive before a later tick would be lost.
    socket.on('message', (data, isBinary) => {
      let msg
      try {
        msg = JSON.parse(data)
        applyEvent(view, state, msg.h, msg.p)
      } catch (err) {
        socket.send(JSON.stringify({ error: String(err.message) }))
        return
      }
      socket.send(template.render(state))
    })
  })
}

await app.listen({ host: HOST, port: listenPort() })
ready('raw', `http://${HOST}:${app.server.address().port}`)
