import Fastify, { type FastifyInstance } from 'fastify'
import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import live, { type LiveOptions, type LiveRouteOptions, type LiveViewClass } from '../../lib/index.js'

export const FIXTURES = fileURLToPath(new URL('../fixtures/templates/', import.meta.url))
export const SECRET = 'test-secret-test-secret-test-secret!'

interface Tap { teardown (fn: () => unknown): void }

/** A Fastify app with fastify-live and the given live routes, closed with the test. */
export async function buildApp (t: Tap, routes: Array<[string, LiveViewClass, LiveRouteOptions?]>, options: LiveOptions = {}, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  t.teardown(() => app.close())
  trackConnections(app)
  await setup?.(app)
  await app.register(live, { templates: FIXTURES, secret: SECRET, ...options })
  for (const [path, View, opts] of routes) app.live(path, View, opts)
  await app.ready()
  return app
}

/** The connections each server accepted and has not closed (see closeWhileBrowsing). */
const accepted = new WeakMap<Server, Set<Socket>>()

/** Remember the connections `app` accepts, so closeWhileBrowsing can end those a browser opened ahead of need. */
export function trackConnections (app: FastifyInstance): void {
  const sockets = new Set<Socket>()
  accepted.set(app.server, sockets)
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
}

/**
 * Close `app` while a browser still has its page open. Node closes idle
 * keep-alive connections once, when the server stops listening, but not a
 * connection that has sent nothing yet: Chromium opens one ahead of need
 * (a preconnect) and may leave it unused for minutes, and close() waits for
 * it (one CI run in ten hung here for the file's whole timeout). So until
 * close() is done, idle connections are closed again and, for apps from
 * buildApp (or given to trackConnections), the ones that never sent a byte
 * are destroyed.
 */
export async function closeWhileBrowsing (app: FastifyInstance): Promise<void> {
  const reap = setInterval(() => {
    app.server.closeIdleConnections()
    for (const socket of accepted.get(app.server) ?? []) {
      if (socket.bytesRead === 0) socket.destroy()
    }
  }, 20)
  try {
    await app.close()
  } finally {
    clearInterval(reap)
  }
}
