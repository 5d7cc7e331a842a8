import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, InjectOptions } from 'fastify'
import type { WebSocket } from 'ws'
import type { Core, LiveStats } from './core.js'
import { applyDelta, type Delta } from './diff.js'
import { kCore } from './symbols.js'

/** A frame the server sent. */
export type ServerFrame = { t: 'reply' | 'patch' | 'push' | 'error', ref?: number, id?: string, v?: number, html?: string, code?: string, message?: string, handler?: string, [key: string]: unknown }

export interface LiveRootHandle {
  readonly id: string
  readonly token: string
  /** The root's current inner HTML, as the browser would hold it. */
  html: string
  version: number
}

/**
 * A page of live views under test, driven over a real WebSocket without a
 * browser: `const page = await openLive(app, '/counter')`, then
 * `await page.event('increment')` and assert on `page.html()`.
 */
export class LivePage {
  readonly roots: LiveRootHandle[]
  /** Every frame received, in order. */
  readonly frames: ServerFrame[] = []
  readonly #socket: WebSocket
  #ref = 0
  readonly #waiting = new Map<number, (frame: ServerFrame) => void>()
  readonly #watchers = new Set<(frame: ServerFrame) => void>()

  constructor (readonly page: string, roots: LiveRootHandle[], socket: WebSocket) {
    this.roots = roots
    this.#socket = socket
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame
      this.frames.push(frame)
      const root = this.roots.find((r) => r.id === frame.id)
      if (root !== undefined && typeof frame.html === 'string') root.html = frame.html
      if (root !== undefined && Array.isArray(frame.d)) {
        // A delta replaces one element, if it applies to the version held.
        const next = frame.v === root.version + 1 ? applyDelta(root.html, frame.d as Delta) : null
        if (next === null) return this.#refetch(root, frame)
        root.html = next
      }
      if (root !== undefined && typeof frame.v === 'number' && frame.t !== 'error') root.version = frame.v
      for (const watch of this.#watchers) watch(frame)
      if (frame.ref !== undefined) {
        this.#waiting.get(frame.ref)?.(frame)
        this.#waiting.delete(frame.ref)
      }
    })
  }

  /**
   * A delta that does not apply (a missed render, a repeated id): like the
   * browser, ask for the full HTML. Whoever waits on `frame` gets it once
   * that HTML has arrived.
   */
  #refetch (root: LiveRootHandle, frame: ServerFrame): void {
    const waiter = frame.ref === undefined ? undefined : this.#waiting.get(frame.ref)
    if (frame.ref !== undefined) this.#waiting.delete(frame.ref)
    void this.send({ t: 'render', id: root.id }).then(() => {
      for (const watch of this.#watchers) watch(frame)
      waiter?.(frame)
    })
  }

  /** The inner HTML of a root (the first, the routed view, by default). */
  html (id = this.roots[0]!.id): string {
    return this.root(id).html
  }

  /** A `live-patch` (or back and forward within the view): the routed view runs `handleParams` for `url`; resolves with the reply or error. */
  async patch (url: string): Promise<ServerFrame> {
    return await this.send({ t: 'params', id: this.roots[0]!.id, url })
  }

  /**
   * A `live-navigate`: the live route of `url` replaces the page's views as
   * in the browser (the old roots leave, the new ones join). Resolves with
   * the navigate's reply, or its error (`not_live`, `forbidden`, `bad_url`:
   * the browser would load the URL) with the page unchanged.
   */
  async navigate (url: string): Promise<ServerFrame> {
    const reply = await this.send({ t: 'navigate', id: this.roots[0]!.id, url })
    if (reply.t !== 'reply') return reply
    const left = this.roots.splice(0)
    await Promise.all(left.map((r) => this.send({ t: 'leave', id: r.id })))
    this.roots.push(...parseRoots(String(reply.root)))
    await this.join()
    return reply
  }

  root (id: string): LiveRootHandle {
    const root = this.roots.find((r) => r.id === id)
    if (root === undefined) throw new Error(`no live root ${id} on ${this.page}`)
    return root
  }

  /** Send any frame (raw string or object) and wait for the reply with its ref, if it has one. */
  async send (frame: Record<string, unknown> | string): Promise<ServerFrame> {
    if (typeof frame === 'string') {
      this.#socket.send(frame)
      return await this.next((f) => f.t === 'error' || f.t === 'reply')
    }
    const ref = typeof frame.ref === 'number' ? frame.ref : ++this.#ref
    this.#ref = Math.max(this.#ref, ref)
    const reply = new Promise<ServerFrame>((resolve) => this.#waiting.set(ref, resolve))
    this.#socket.send(JSON.stringify({ ref, ...frame }))
    return await reply
  }

  /** Join every root on the page (what the browser bundle does first). */
  async join (): Promise<ServerFrame[]> {
    return await Promise.all(this.roots.map((r) => this.send({ t: 'join', id: r.id, token: r.token })))
  }

  /** Call a handler the way a `live-click` (or `type`) would. */
  async event (handler: string, params: Record<string, unknown> = {}, options: { id?: string, type?: string, hit?: string } = {}): Promise<ServerFrame> {
    const { id = this.roots[0]!.id, type = 'click', hit } = options
    return await this.send({ t: 'event', id, h: handler, p: params, type, ...(hit === undefined ? {} : { hit }) })
  }

  /** The next frame matching `test` (e.g. a server-initiated patch). */
  async next (test: (frame: ServerFrame) => boolean = () => true): Promise<ServerFrame> {
    return await new Promise((resolve) => {
      const watch = (frame: ServerFrame): void => {
        if (!test(frame)) return
        this.#watchers.delete(watch)
        resolve(frame)
      }
      this.#watchers.add(watch)
    })
  }

  /**
   * Close the socket at once, as a dropped connection does (no closing
   * handshake): its views are parked for `reconnectTtl`, then end. To end a
   * view now, as a page that is left does, send `{ t: 'leave', id }` first.
   */
  close (): void {
    this.#socket.terminate()
  }

}

/** A file for `uploadFiles`: its name, MIME type and bytes. */
export interface TestFile { name: string, type?: string, data: Buffer }

/**
 * Choose `files` for the upload `name` of a page's view, as a user does
 * (docs/uploads.md): announce them, send the bytes of those the view
 * accepts, and wait until the page shows the result. Resolves with the
 * announce's reply (`up` lists the accepted files).
 */
export async function uploadFiles (app: FastifyInstance, page: LivePage, name: string, files: TestFile[], id = page.roots[0]!.id): Promise<ServerFrame> {
  const reply = await page.send({ t: 'upload', id, name, files: files.map((f) => ({ name: f.name, size: f.data.length, type: f.type ?? '' })) })
  const up = (reply.up ?? []) as Array<[number, string, string]>
  for (const [i, url] of up) await app.inject({ method: 'PUT', url, payload: files[i]!.data, headers: { 'content-type': 'application/octet-stream' } })
  // Queued behind the render each finished transfer asked for: its answer comes once the page shows them.
  if (up.length > 0) await page.send({ t: 'render', id })
  return reply
}

/** Render `url` over HTTP, open the page's socket and join its views. */
export async function openLive (app: FastifyInstance, url: string, options: { headers?: InjectOptions['headers'], join?: boolean } = {}): Promise<LivePage> {
  const res = await app.inject({ method: 'GET', url, headers: options.headers })
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
  const socket = await openSocket(app, options.headers as Record<string, string> | undefined)
  const page = new LivePage(res.body, parseRoots(res.body), socket)
  if (options.join !== false) {
    const replies = await page.join()
    const refused = replies.find((r) => r.t === 'error')
    if (refused !== undefined) throw new Error(`joining ${url} was refused: ${refused.code}: ${refused.message}`)
  }
  return page
}

/**
 * Open the live socket of `app`, injected (no port is opened), e.g. to join
 * a page's roots with other request headers: `new LivePage(body, parseRoots(body), socket)`.
 */
export async function openSocket (app: FastifyInstance, headers?: Record<string, string>): Promise<WebSocket> {
  const url = `${coreOf(app).opts.prefix}/socket`
  // injectWS sends `sec-websocket-version` as the number 13, which ws 8.23.1
  // and later refuse with a 400 (they compare it with the string '13'). It
  // emits its upgrade synchronously, so the next upgrade the server sees is
  // this one: make the header the string a real client sends.
  const asString = (req: IncomingMessage): void => {
    req.headers['sec-websocket-version'] = String(req.headers['sec-websocket-version'])
  }
  app.server.prependOnceListener('upgrade', asString)
  try {
    return await app.injectWS(url, { headers })
  } finally {
    app.server.removeListener('upgrade', asString)
  }
}

/** Counts of live views, tasks and sockets of a registration (they return to zero when sessions end). */
export function liveStats (app: FastifyInstance): Readonly<LiveStats> {
  const core = coreOf(app)
  return { ...core.stats, topics: core.engines.pubsub.topics }
}

function coreOf (app: FastifyInstance): Core {
  const core = (app.live as any)?.[kCore] as Core | undefined
  if (core === undefined) throw new Error('fastify-live is not registered on this instance; await app.register(live, ...) first')
  return core
}

/** The live roots of a page, with their inner HTML (roots are `<div>`s; nesting is balanced). */
export function parseRoots (page: string): LiveRootHandle[] {
  const roots: LiveRootHandle[] = []
  const open = /<div id="(lv-[\w-]{10})" data-live-root data-live-token="([^"]+)"[^>]*>/g
  for (let m = open.exec(page); m !== null; m = open.exec(page)) {
    const start = m.index + m[0].length
    let depth = 1
    const tag = /<div\b|<\/div>/g
    tag.lastIndex = start
    let end = start
    for (let t = tag.exec(page); t !== null; t = tag.exec(page)) {
      depth += t[0] === '</div>' ? -1 : 1
      if (depth === 0) { end = t.index; break }
    }
    roots.push({ id: m[1]!, token: m[2]!, html: page.slice(start, end), version: 1 })
  }
  return roots
}
