import { createHash } from 'node:crypto'
import fastifyView from '@fastify/view'
import fastifyWebsocket from '@fastify/websocket'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import nunjucks from 'nunjucks'
import { serveBundle } from './assets.js'
import { Connection } from './connection.js'
import type { Core, LiveRoute } from './core.js'
import { FST_LIVE_REGISTERED, FST_LIVE_ROUTE } from './errors.js'
import { resolveOptions, type LiveOptions } from './options.js'
import { escapeAttr, PLUGIN_TEMPLATES, Renderer, safe } from './render.js'
import type { Redis } from 'ioredis'
import { Handoff, MemoryHandoffStore } from './handoff.js'
import { memoryPresence } from './presence.js'
import { memoryPubSub } from './pubsub.js'
import { redisPubSub } from './redis/index.js'
import { originAllowed } from './origin.js'
import { missingPermissions } from './permissions.js'
import { Session } from './session.js'
import { kCore } from './symbols.js'
import { TokenSigner } from './token.js'
import { publicState, type LiveViewClass } from './view.js'
import { ViewCatalog } from './catalog.js'
import { watchTemplates } from './template-watch.js'
import { UploadStore } from './uploads.js'
import { UnsentBytes } from './unsent-bytes.js'
import { registerUploadRoute } from './upload-route.js'
import { FLASH_COOKIE, flashCookie, Navigator, openFlash } from './navigation.js'

/** Options of one live route. */
export interface LiveRouteOptions {
  /** Required permissions (all of them) for the GET and the WebSocket join. */
  permissions?: string | string[]
  /** Overrides the view's `static template`. */
  template?: string
  /** Overrides the plugin's `layout`; `false` renders the view alone. */
  layout?: string | false
}

/** `app.live`: declares live routes, and reaches every view of the app (on every process with `redis`). */
export interface LiveRouteMethod {
  (path: string, View: LiveViewClass, options?: LiveRouteOptions): FastifyInstance
  /** Deliver `message` (JSON data) to every view subscribed to `topic`, on every process of the app. */
  publish (topic: string, message: unknown): Promise<void>
  /** Who is present on `topic`: each tracked key with the metas of the views that track it. */
  presence (topic: string): Promise<Record<string, Array<Record<string, unknown>>>>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Declare a live route: GET renders the view; the browser then joins it over the WebSocket. */
    live: LiveRouteMethod
  }
}

/** Views rendered over HTTP that may wait for their join at once, per process; the oldest go first. */
const MAX_HANDED = 10_000
/** Their serialized states and renders together (parked views too), in characters. */
const MAX_HANDED_CHARS = 64 * 1024 * 1024

/** The plugin's own layout (options.ts default): the 403 page has its own document instead. */
const DEFAULT_LAYOUT = 'live/layout.njk'

const ROUTE_KEYS = new Set(['permissions', 'template', 'layout'])

async function fastifyLive (app: FastifyInstance, options: LiveOptions): Promise<void> {
  // A second register would otherwise fail later, on its duplicated bundle route, hiding the cause.
  if (app.hasDecorator('live')) throw new FST_LIVE_REGISTERED()
  const opts = resolveOptions(options ?? {}, app.log)
  const connections = new Set<Connection>()
  let closing = false
  // Added before @fastify/websocket's own preClose, which closes every client
  // without a code: ours tell the browser the server is going away (1001) and
  // end the views and tasks before close() resolves.
  // One timer pings every socket; a socket that answered nothing since the last ping is dropped.
  const heartbeat = setInterval(() => { for (const connection of connections) connection.heartbeat() }, opts.pingInterval)
  heartbeat.unref()
  app.addHook('preClose', async () => {
    closing = true
    clearInterval(heartbeat)
    await Promise.all([...connections].map((connection) => connection.shutdown()))
  })
  // ws buffers a whole frame (up to 100 MiB by default) before we see it:
  // frames up to 16× maxMessageBytes are read and refused as too_large; larger
  // ones close the socket (1009) unread.
  if (!app.hasDecorator('websocketServer')) await app.register(fastifyWebsocket, { options: { maxPayload: opts.maxMessageBytes * 16 } })
  if (!app.hasReplyDecorator('view')) {
    await app.register(fastifyView, { engine: { nunjucks }, root: [...opts.templates, PLUGIN_TEMPLATES] as any })
  }
  const engines = opts.redis === null
    ? { pubsub: memoryPubSub({ log: app.log, maxMessageBytes: opts.maxMessageBytes }), presence: memoryPresence({ log: app.log }), close: async () => {} }
    : redisPubSub({ redis: opts.redis as string | Redis, log: app.log, maxMessageBytes: opts.maxMessageBytes, prefix: redisPrefix(opts.secret) })
  if ('ready' in engines) await waitForRedis(engines.ready(), app)
  const renderer = new Renderer(opts.templates)
  const bundle = serveBundle(app, opts.prefix, opts.sourceMaps)
  const core: Core = {
    opts,
    renderer,
    catalog: new ViewCatalog(renderer, opts.debug, (message) => app.log.warn(message)),
    signer: new TokenSigner(opts.secret, opts.tokenMaxAge),
    handoff: new Handoff<Session>('handoff' in engines ? engines.handoff : new MemoryHandoffStore(MAX_HANDED, MAX_HANDED_CHARS), opts.handoffTtl, MAX_HANDED),
    routes: new Map(),
    navigator: new Navigator(app),
    stats: { views: 0, tasks: 0, sockets: 0, topics: 0, renders: 0 },
    engines,
    log: app.log,
    uploads: new UploadStore(opts.secret),
    unsent: new UnsentBytes(opts.maxTotalBufferedBytes),
    scripts: `<script type="module" src="${bundle.main}" data-live-socket="${opts.prefix}/socket"` +
      (bundle.uploads !== undefined ? ` data-live-uploads="${bundle.uploads}"` : '') +
      (opts.debug && bundle.debug !== undefined ? ` data-live-debug="${escapeAttr(bundle.debug)}"` : '') + '></script>',
  }
  await registerUploadRoute(app, opts.prefix, core.uploads)
  const forbiddenPage = renderer.template('live/forbidden.njk', 'the 403 page')
  const forbiddenContent = renderer.template('live/forbidden-content.njk', 'the 403 page')
  // In a layout of the app's own, the 403 looks like the rest of the app; without one (or with the plugin's) it is live/forbidden.njk.
  const forbidden = (layout: nunjucks.Template | null, detail: string): string => layout === null
    ? forbiddenPage.render({ scripts: '', detail })
    : layout.render({ title: '403 Forbidden', status: 403, live: { content: safe(forbiddenContent.render({ detail })), scripts: () => safe('') } })
  const errorPage = renderer.template('live/error.njk', 'the error page')
  // A live page whose mount or render throws answers with an HTML error page:
  // detailed in debug mode, generic otherwise (no user error message, no stack).
  const pageError = (err: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
    if (status >= 500) request.log.error({ err }, 'fastify-live: the live page failed to render')
    const detail = opts.debug ? (err.stack ?? err.message) : ''
    return reply.code(status).type('text/html; charset=utf-8').send(errorPage.render({ status, title: status >= 500 ? 'Server Error' : 'Error', detail }))
  }

  app.get(`${opts.prefix}/socket`, {
    websocket: true,
    preValidation: async (request, reply) => {
      if (!originAllowed(request, opts.allowedOrigins, opts.allowedHosts)) {
        request.log.warn({ origin: request.headers.origin }, 'fastify-live: refused a WebSocket from a foreign origin')
        return reply.code(403).send({ error: 'Forbidden', message: 'this origin may not open a live socket; add it to allowedOrigins (or its host to allowedHosts)' })
      }
    },
  }, (socket, request) => {
    // A browser reconnects within ~250 ms of being closed; a socket opened
    // while the server shuts down would keep close() waiting forever.
    if (closing) return socket.close(1001, 'server shutting down')
    const connection = new Connection(core, socket, request)
    connections.add(connection)
    socket.on('close', () => connections.delete(connection))
  })

  const live = function (this: FastifyInstance, path: string, View: LiveViewClass, routeOptions: LiveRouteOptions = {}) {
    if (typeof path !== 'string' || !path.startsWith('/')) throw new FST_LIVE_ROUTE(`app.live() needs a path starting with "/"; got ${JSON.stringify(path)}`)
    for (const key of Object.keys(routeOptions)) {
      if (!ROUTE_KEYS.has(key)) throw new FST_LIVE_ROUTE(`app.live('${path}') has no option "${key}"; the options are ${[...ROUTE_KEYS].join(', ')}`)
    }
    const info = core.catalog.describe(View, routeOptions.template)
    const permissions = typeof routeOptions.permissions === 'string' ? [routeOptions.permissions] : routeOptions.permissions ?? []
    if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string' || p === '')) {
      throw new FST_LIVE_ROUTE(`app.live('${path}') permissions must be a permission string or a list of them`)
    }
    const layoutName = routeOptions.layout ?? opts.layout
    const layout = layoutName === false ? null : renderer.template(layoutName, `the layout of ${path}`)
    const forbiddenLayout = layoutName === false || layoutName === DEFAULT_LAYOUT ? null : layout
    const key = (this.prefix ?? '') + path
    if (core.routes.has(key)) throw new FST_LIVE_ROUTE(`app.live('${key}') is declared twice`)
    const route: LiveRoute = { key, info, permissions, layout: layoutName }
    core.routes.set(key, route)
    core.navigator.add(route)

    this.get(path, { errorHandler: pageError }, async (request: FastifyRequest, reply: FastifyReply) => {
      if (permissions.length > 0) {
        const missing = await missingPermissions(opts, request, permissions)
        if (missing !== null) {
          if (opts.onForbidden !== null) return opts.onForbidden(request, reply)
          return reply.code(403).type('text/html; charset=utf-8').send(forbidden(forbiddenLayout, opts.debug ? `${key} requires ${missing}` : ''))
        }
      }
      // A redirect's flash (lib/navigation.ts) shows on this page, once.
      const sealed = flashCookie(request)
      if (sealed !== undefined) reply.header('set-cookie', `${FLASH_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`)
      const session = await Session.mount(core, info, {
        routeKey: key, chain: [], params: request.params as Record<string, string>, query: request.query as Record<string, unknown>, props: {}, request,
        url: request.url, flash: openFlash(opts.secret, sealed),
      })
      let root: string
      try {
        root = await session.renderRoot()
      } catch (err) {
        session.endTree()
        throw err
      }
      await session.handOff()
      const page = layout === null
        ? root
        // Looked up again (a map read): a layout edited while the app runs shows at the next page load.
        : renderer.template(layoutName as string, `the layout of ${path}`).render({ ...publicState(session.view), live: { content: safe(root), scripts: () => safe(core.scripts) } })
      return reply.type('text/html; charset=utf-8').send(page)
    })
    return this
  }
  Object.defineProperty(live, kCore, { value: core })
  const method: LiveRouteMethod = Object.assign(live, {
    publish: (topic: string, message: unknown) => engines.pubsub.publish(topic, message),
    presence: (topic: string) => engines.presence.list(topic),
  })
  app.decorate('live', method)

  const watcher = opts.watchTemplates ? watchTemplates(core, function * () { for (const c of connections) yield * c.sessions }) : null
  app.addHook('onClose', async () => {
    watcher?.close()
    core.uploads.close()
    await core.handoff.close()
    await engines.close()
  })
}

/**
 * The processes of one app share Redis keys and channels: those with the same
 * `secret` (a hash of it, so two apps on one Redis server never meet).
 */
function redisPrefix (secret: string): string {
  return `live:${createHash('sha256').update(secret).digest('base64url').slice(0, 8)}:`
}

/** How long `register` waits for Redis; past it the app starts anyway, and cross-process work begins when Redis answers. */
const REDIS_READY_MS = 5000

async function waitForRedis (ready: Promise<void>, app: FastifyInstance): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), REDIS_READY_MS) })
  const answered = await Promise.race([ready.then(() => true), late])
  clearTimeout(timer)
  if (!answered) app.log.warn(`fastify-live: Redis did not answer within ${REDIS_READY_MS} ms; starting anyway (views work in this process, and cross-process delivery begins once Redis answers)`)
}

export default fp(fastifyLive, { fastify: '5.x', name: 'fastify-live' })
