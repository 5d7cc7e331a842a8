import Fastify, { type FastifyInstance } from 'fastify'
import { fileURLToPath } from 'node:url'
import live, { type LiveOptions, type LiveRouteOptions, type LiveViewClass } from '../../lib/index.js'

export const FIXTURES = fileURLToPath(new URL('../fixtures/templates/', import.meta.url))
export const SECRET = 'test-secret-test-secret-test-secret!'

interface Tap { teardown (fn: () => unknown): void }

/** A Fastify app with fastify-live and the given live routes, closed with the test. */
export async function buildApp (t: Tap, routes: Array<[string, LiveViewClass, LiveRouteOptions?]>, options: LiveOptions = {}, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  await setup?.(app)
  await app.register(live, { templates: FIXTURES, secret: SECRET, ...options })
  for (const [path, View, opts] of routes) app.live(path, View, opts)
  await app.ready()
  return app
}

/**
 * Close `app` while a browser still has its page open. Node closes idle
 * keep-alive connections once, when the server stops listening; a request of
 * the page's that is still being answered then leaves its connection open
 * afterwards, and close() waits for it (seen in CI, about one run in six:
 * the connection still had its HTTP parser, no WebSocket was left). So idle
 * connections are closed again until close() is done.
 */
export async function closeWhileBrowsing (app: FastifyInstance): Promise<void> {
  const reap = setInterval(() => app.server.closeIdleConnections(), 20)
  try {
    await app.close()
  } finally {
    clearInterval(reap)
  }
}
