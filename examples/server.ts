// The fastify-live demo: `npm run demo`, then open http://127.0.0.1:3000
import Fastify from 'fastify'
import { fileURLToPath } from 'node:url'
import live from '../lib/index.js'
import { CounterView } from './views/counter.js'
import { SearchView } from './views/search.js'
import { TodoView } from './views/todo.js'
import { DashboardView } from './views/dashboard.js'
import { HomeView } from './views/home.js'

export async function buildDemo (options: { logger?: boolean } = {}) {
  const app = Fastify({ logger: options.logger ?? true })
  await app.register(live, {
    templates: fileURLToPath(new URL('./templates/', import.meta.url)),
    // In-memory defaults: a random secret is fine for a demo (pages cannot rejoin after a restart).
    secret: process.env.LIVE_SECRET,
    layout: 'layout.njk',
  })
  app.live('/', HomeView)
  app.live('/counter', CounterView)
  app.live('/search', SearchView)
  app.live('/todos', TodoView)
  app.live('/dashboard', DashboardView)
  return app
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = await buildDemo()
  const port = Number(process.env.PORT ?? 3000)
  await app.listen({ host: '127.0.0.1', port })
}
