// Fan-out floor: Fastify + ws + Nunjucks and nothing else. Every socket of a
// view is in one set; a publish (IPC `{ cmd: 'publish' }` from
// bench/fanout.mjs) changes the one shared state, renders it once, frames the
// HTML once as a WebSocket text frame and writes that same buffer to every
// socket. A framework broadcasting the same change to the same sockets does
// at least this much work; the gap to this peer is its overhead.
import { enforceLoopback } from '../loopback.mjs'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import nunjucks from 'nunjucks'
import { createEnv, compileView, initialState, VIEW_NAMES } from '../views/views.mjs'
import { HOST, listenPort, ready } from '../peers/_common.mjs'
import { onPublish, applyMessage } from './common.mjs'

enforceLoopback()

const env = createEnv()
const layout = env.getTemplate('layout.njk')
const templates = Object.fromEntries(VIEW_NAMES.map((v) => [v, compileView(env, v)]))
const states = Object.fromEntries(VIEW_NAMES.map((v) => [v, initialState(v)]))
const sockets = Object.fromEntries(VIEW_NAMES.map((v) => [v, new Set()]))

// One unmasked, final text frame (RFC 6455 §5.2).
function textFrame (text) {
  const body = Buffer.from(text)
  const n = body.length
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : null
  if (head === null) throw new Error('frame too large for this bench')
  return Buffer.concat([head, body])
}

const app = Fastify({ logger: false })
await app.register(websocket)

for (const view of VIEW_NAMES) {
  app.get(`/${view}`, async (request, reply) => {
    const content = new nunjucks.runtime.SafeString(templates[view].render(states[view]))
    reply.type('text/html; charset=utf-8')
    return layout.render({ title: view, content, rootAttrs: new nunjucks.runtime.SafeString(` data-socket="/ws/${view}"`) })
  })
  app.get(`/ws/${view}`, { websocket: true }, (socket) => {
    sockets[view].add(socket)
    socket.on('close', () => sockets[view].delete(socket))
    // The client's "join": it counts frames only after this one.
    socket.send('hello')
  })
}

onPublish((view, message) => {
  applyMessage(view, states[view], message)
  const frame = textFrame(templates[view].render(states[view]))
  for (const socket of sockets[view]) socket._socket.write(frame)
  return sockets[view].size
})

await app.listen({ host: HOST, port: listenPort() })
ready('fanout-raw', `http://${HOST}:${app.server.address().port}`)
