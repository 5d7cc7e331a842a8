// The fastify-live demo: `npm run demo`, then open http://127.0.0.1:3000
// A second process on one Redis (docs/scaling.md):
//   LIVE_SECRET=<32+ chars> REDIS_URL=redis://127.0.0.1:6379 npm run demo
//   LIVE_SECRET=<same> REDIS_URL=redis://127.0.0.1:6379 PORT=3001 npm run demo
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import live from '../lib/index.js'
import { CounterView } from './views/counter.js'
import { SearchView } from './views/search.js'
import { TodoView } from './views/todo.js'
import { DashboardView } from './views/dashboard.js'
import { HomeView } from './views/home.js'
import { DeployView } from './views/deploys.js'
import { AdminView } from './views/admin.js'
import { FeedView } from './views/feed.js'
import { ROLE_COOKIE, permissionsOf } from './roles.js'
import { ChatView, ROOM, roomTopic, type ChatMessage } from './views/chat.js'
import { AvatarView, avatarRoutes } from './views/avatar.js'

export interface DemoOptions {
  logger?: boolean
  /** Shared by every process of the app; a random one when absent (fine for one process). */
  secret?: string
  /** A redis:// URL: publish/subscribe and presence span every process using it. */
  redis?: string
}

export async function buildDemo (options: DemoOptions = {}) {
  const app = Fastify({ logger: options.logger ?? true })
  await app.register(live, {
    templates: fileURLToPath(new URL('./templates/', import.meta.url)),
    // In-memory defaults: a random secret is fine for a demo (pages cannot rejoin after a restart).
    secret: options.secret ?? process.env.LIVE_SECRET,
    layout: 'layout.njk',
    permissions: permissionsOf,
    ...(options.redis !== undefined ? { redis: options.redis } : {}),
  })
  app.live('/', HomeView)
  app.live('/counter', CounterView)
  app.live('/search', SearchView)
  app.live('/todos', TodoView)
  app.live('/dashboard', DashboardView)
  app.live('/chat/:room', ChatView)
  app.live('/deploys', DeployView)
  app.live('/feed', FeedView)
  app.live('/admin', AdminView, { permissions: 'admin' })
  app.live('/avatar', AvatarView)
  avatarRoutes(app)
  // The demo's login: a cookie naming a role (roles.ts grants its permissions).
  app.get<{ Querystring: { as: 'admin' | 'guest', back?: string } }>('/sign-in', {
    schema: { querystring: { type: 'object', required: ['as'], properties: { as: { enum: ['admin', 'guest'] }, back: { type: 'string', pattern: '^/[a-z/]*$' } } } },
  }, async (request, reply) => {
    reply.header('set-cookie', `${ROLE_COOKIE}=${request.query.as}; Path=/; HttpOnly; SameSite=Lax`)
    return reply.redirect(request.query.back ?? '/')
  })
  app.get('/chat', async (_request, reply) => reply.redirect('/chat/lobby'))
  // Any server code can talk to a room, e.g.:
  //   curl -H 'content-type: application/json' -d '{"text":"deploy at 5"}' http://127.0.0.1:3000/chat/lobby/announce
  app.post<{ Params: { room: string }, Body: { text: string } }>('/chat/:room/announce', {
    schema: {
      params: { type: 'object', properties: { room: { type: 'string', pattern: ROOM.source } } },
      body: { type: 'object', required: ['text'], properties: { text: { type: 'string', minLength: 1, maxLength: 500 } } },
    },
  }, async (request) => {
    await app.live.publish(roomTopic(request.params.room), { from: 'server', text: request.body.text } satisfies ChatMessage)
    return { ok: true }
  })
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await buildDemo({ redis: process.env.REDIS_URL })
  const port = Number(process.env.PORT ?? 3000)
  await app.listen({ host: '127.0.0.1', port })
  // Close on Ctrl-C or a deploy's SIGTERM: pages are told the server is going
  // away, and with Redis this process's presence entries leave at once.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { void app.close().then(() => process.exit(0)) })
}
