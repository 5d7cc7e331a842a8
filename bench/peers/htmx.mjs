// An htmx-style app: the page GET starts a server-side session (cookie `sid`)
// and every event is a POST /<view>/<handler> with a form-encoded body, as
// htmx sends it, answered with the re-rendered view as an HTML fragment that
// htmx swaps into the root. Per-session state lives in a Map, as it would in
// an in-memory session store.
import { enforceLoopback } from '../loopback.mjs'
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import nunjucks from 'nunjucks'
import { createEnv, compileView, initialState, applyEvent, VIEW_NAMES } from '../views/views.mjs'
import { HOST, listenPort, ready } from './_common.mjs'

enforceLoopback()

const env = createEnv()
const layout = env.getTemplate('layout.njk')
// htmx reads hx-post on the element (the handler name is the POST path
// relative to the view). The row id travels as a form field, as hx-vals
// would send it; the markup keeps data-id so it matches the other peers'.
const templates = Object.fromEntries(VIEW_NAMES.map((v) => [v, compileView(env, v, { click: 'hx-post' })]))

/** sid -> { view, state } */
const sessions = new Map()

const app = Fastify({ logger: false })

// htmx posts application/x-www-form-urlencoded; Fastify has no parser for it
// built in, and a plugin would be more than this one line.
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
  done(null, Object.fromEntries(new URLSearchParams(body)))
})

function sessionOf (request) {
  const m = /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(request.headers.cookie ?? '')
  return m ? sessions.get(m[1]) : undefined
}

for (const view of VIEW_NAMES) {
  const template = templates[view]

  app.get(`/${view}`, async (request, reply) => {
    const sid = randomBytes(16).toString('base64url')
    const session = { view, state: initialState(view) }
    sessions.set(sid, session)
    const content = new nunjucks.runtime.SafeString(template.render(session.state))
    reply.header('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`)
    reply.type('text/html; charset=utf-8')
    return layout.render({
      title: view,
      content,
      rootAttrs: new nunjucks.runtime.SafeString(` hx-target="this" hx-swap="innerHTML"`)
    })
  })

  app.post(`/${view}/:handler`, async (request, reply) => {
    const session = sessionOf(request)
    if (!session || session.view !== view) return reply.code(403).send('no session')
    try {
      applyEvent(view, session.state, request.params.handler, request.body ?? {})
    } catch (err) {
      return reply.code(400).send(String(err.message))
    }
    reply.type('text/html; charset=utf-8')
    return template.render(session.state)
  })
}

await app.listen({ host: HOST, port: listenPort() })
ready('htmx', `http://${HOST}:${app.server.address().port}`)
