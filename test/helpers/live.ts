import type { FastifyInstance } from 'fastify'
import { WebSocket as WebSocketClient, type ClientOptions, type WebSocket } from 'ws'
import { LivePage, openSocket, parseRoots, type ServerFrame } from '../../lib/testing.js'

/** The plugin's socket path under the default prefix. */
export const SOCKET = '/_live/socket'

interface OpenOptions {
  /** Headers of the GET (and of the socket, unless `socketHeaders` is given). */
  headers?: Record<string, string>
  /** Headers of the WebSocket upgrade request only. */
  socketHeaders?: Record<string, string>
  /** Join every root at once (default `true`); joins are not checked. */
  join?: boolean
}

/**
 * A socket page: like `openLive` (a LivePage driven over a WebSocket, no browser), but keeps the raw socket (to watch it close) and leaves
 * join refusals to the test: `const { page, socket } = await openSocketPage(app, '/x')`.
 */
export async function openSocketPage (app: FastifyInstance, url: string, options: OpenOptions = {}): Promise<{ page: LivePage, socket: WebSocket, joins: ServerFrame[] }> {
  const res = await app.inject({ method: 'GET', url, headers: options.headers })
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
  return await attach(app, res.body, options.socketHeaders ?? options.headers, options.join)
}

/** Open a socket for an already rendered page body. */
export async function attach (app: FastifyInstance, body: string, headers?: Record<string, string>, join = true): Promise<{ page: LivePage, socket: WebSocket, joins: ServerFrame[] }> {
  const socket = await openSocket(app, headers)
  const page = new LivePage(body, parseRoots(body), socket)
  const joins = join ? await page.join() : []
  return { page, socket, joins }
}

/** Resolves with the close code once the socket has closed. */
export function closed (socket: WebSocket): Promise<number> {
  if (socket.readyState === 3) return Promise.resolve(-1)
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)))
}

/** Turns of the event loop until() checks at once, before it checks every POLL_MS. */
const EAGER_TURNS = 50
const POLL_MS = 2

/**
 * Resolves when `test()` holds (for server-side counters with no frame to
 * await): checked after each of the next turns of the event loop (most
 * conditions hold after a little I/O), then every POLL_MS, so a long wait (a
 * ttl, a token's expiry) does not spin a core the other test files and
 * Chromium need. The limit is on the monotonic clock: a test may move Date.now().
 */
export async function until (test: () => boolean, what: string, limitMs = 2000): Promise<void> {
  const start = performance.now()
  for (let turn = 0; !test(); turn++) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => turn < EAGER_TURNS ? setImmediate(resolve) : setTimeout(resolve, POLL_MS))
  }
}

/** The root's HTML as the browser holds it once `frame` has arrived (full renders and deltas applied). */
export async function shownAfter (page: LivePage, frame: Promise<ServerFrame>, id?: string): Promise<string> {
  await frame
  return page.html(id)
}

/** Listen on a free local port (closed with the app); returns the base URL, e.g. `http://127.0.0.1:40123`. */
export async function listen (app: FastifyInstance): Promise<string> {
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** A real WebSocket to the plugin's socket of a listening app (for what the in-memory test socket cannot show: origins, closing handshakes). */
export async function realSocket (base: string, headers: Record<string, string> = {}, options: ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocketClient(base.replace(/^http/, 'ws') + SOCKET, { ...options, headers })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (req, res) => {
      req.destroy() // with this listener, ws leaves the refused connection open
      reject(new Error(`Unexpected server response: ${res.statusCode}`))
    })
  })
  return ws
}
