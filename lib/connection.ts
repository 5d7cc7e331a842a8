import type { FastifyRequest } from 'fastify'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import type { Core } from './core.js'
import type { WireErrorCode } from './errors.js'
import { tooDeep, validateFrame, type InboundFrame, type JoinFrame } from './protocol.js'
import { errorFrame, missingPermissions, Session, type Outbox } from './session.js'
import { directSocket, textFrame } from './text-frames.js'
import type { ViewInfo } from './views.js'

/**
 * One page's WebSocket: reads frames, validates them, and hands each to the
 * session it addresses. It moves frames; views and rendering live elsewhere.
 */
export class Connection implements Outbox {
  readonly #core: Core
  readonly #socket: WebSocket
  /** The TCP socket small frames are written to in one piece (lib/text-frames.ts), if any. */
  readonly #direct: Socket | null
  readonly #request: FastifyRequest
  readonly #views = new Map<string, Session>()
  /** Token bucket: frames available now, refilled by time. */
  #tokens: number
  #refilled = Date.now()
  #strikes = 0
  #closed = false
  /** Joins run one at a time, in arrival order, so a parent remounted by its join has handed off its embeds before their joins look for them. */
  #joins: Promise<void> = Promise.resolve()

  constructor (core: Core, socket: WebSocket, request: FastifyRequest) {
    this.#core = core
    this.#socket = socket
    this.#direct = directSocket(socket)
    this.#request = request
    this.#tokens = core.opts.rateLimit.burst
    core.stats.sockets++
    // Attached synchronously, before any await, so no early frame is lost.
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    socket.on('close', () => this.#onClose())
    socket.on('error', (err) => request.log.debug({ err }, 'fastify-live: socket error'))
  }

  get viewCount (): number { return this.#views.size }

  send (frame: Record<string, unknown>): void {
    this.sendText(JSON.stringify(frame))
  }

  sendText (json: string): void {
    if (this.#socket.readyState !== 1) return
    const frame = this.#direct === null ? null : textFrame(json)
    if (frame === null) this.#socket.send(json)
    else this.#direct!.write(frame)
  }

  session (id: string): Session | undefined {
    return this.#views.get(id)
  }

  /** Close the socket and end its views now, without waiting for the closing handshake. */
  close (code = 1001, reason = 'server shutting down'): void {
    this.#socket.close(code, reason)
    this.#onClose()
  }

  #onMessage (data: Buffer, isBinary: boolean): void {
    if (!this.#take()) return this.#refuse('rate_limited', `more than ${this.#core.opts.rateLimit.perSecond} frames a second; slow down`, ...peek(data))
    if (isBinary) return this.#refuse('bad_message', 'binary frames are not accepted; send JSON text')
    if (data.length > this.#core.opts.maxMessageBytes) {
      return this.#refuse('too_large', `the frame has ${data.length} bytes; the limit is ${this.#core.opts.maxMessageBytes} (maxMessageBytes)`, ...peek(data))
    }
    let frame: unknown
    try {
      frame = JSON.parse(data.toString('utf8'))
    } catch {
      return this.#refuse('bad_message', 'the frame is not valid JSON')
    }
    if (!validateFrame(frame)) {
      const e = validateFrame.errors?.[0]
      return this.#refuse('bad_message', `the frame does not match the protocol: ${e ? `${e.instancePath || 'frame'} ${e.message}` : 'unknown shape'}`, refOf(frame))
    }
    if ((frame.t === 'event' && tooDeep(frame.p)) || (frame.t === 'state' && tooDeep(frame.values))) {
      return this.#refuse('bad_message', 'the params nest too deeply', frame.ref, frame.id)
    }
    this.#dispatch(frame)
  }

  #dispatch (frame: InboundFrame): void {
    if (frame.t === 'join') {
      this.#joins = this.#joins.then(() => this.#join(frame)).catch((err) => {
        this.#request.log.error({ err }, 'fastify-live: join failed')
        this.#refuse('join_refused', 'the join failed', frame.ref, frame.id)
      })
      return
    }
    const session = this.#views.get(frame.id)
    if (session === undefined) {
      // Leaving a view that is already gone is not an error.
      if (frame.t === 'leave') return this.send({ t: 'reply', ref: frame.ref, id: frame.id, v: 0 })
      return this.#refuse('unknown_view', `no view ${frame.id} is joined on this socket; join it first`, frame.ref, frame.id)
    }
    switch (frame.t) {
      case 'event': return session.enqueue(session.handleEvent, frame)
      case 'state': return session.enqueue(session.handleState, frame)
      case 'render': return session.enqueue(session.handleRender, frame.ref)
      case 'leave':
        this.#views.delete(frame.id)
        session.close()
        return this.send({ t: 'reply', ref: frame.ref, id: frame.id, v: session.version })
    }
  }

  async #join (frame: JoinFrame): Promise<void> {
    const core = this.#core
    const refuse = (detail: string): void => this.#refuse('join_refused', detail, frame.ref, frame.id)
    const check = core.signer.verify(frame.token)
    if (!check.ok) return refuse(check.reason)
    const claims = check.claims
    if (claims.i !== frame.id) return refuse('the token belongs to another view')
    const route = core.routes.get(claims.r)
    if (route === undefined) return refuse(`the token is for the route ${claims.r}, which this server does not have`)
    let info: ViewInfo | undefined = route.info
    for (const name of claims.c) info = info?.embeds.get(name)
    if (info === undefined) return refuse('the token names an embedded view this server does not have')
    if (this.#views.has(frame.id)) return refuse('the view is already joined on this socket')
    if (this.#views.size >= core.opts.maxViewsPerSocket) return refuse(`the socket has ${this.#views.size} views; the limit is ${core.opts.maxViewsPerSocket} (maxViewsPerSocket)`)
    if (route.permissions.length > 0) {
      const missing = await missingPermissions(core, this.#request, route.permissions)
      if (missing !== null) return this.#refuse('forbidden', `the route ${route.key} requires ${missing}`, frame.ref, frame.id)
    }
    let session = core.handoff.take(frame.id)
    if (session !== undefined && session.info !== info) {
      session.close()
      session = undefined
    }
    if (session === undefined) {
      try {
        session = await Session.mount(core, info, { routeKey: claims.r, chain: claims.c, params: claims.a, query: claims.q, props: claims.p, request: this.#request, id: claims.i })
        await session.renderRoot()
      } catch (err) {
        this.#request.log.error({ err, view: info.name }, 'fastify-live: mount failed on join')
        return this.#refuse('handler_error', `${info.name}.mount() threw: ${(err as Error).message}`, frame.ref, frame.id)
      }
    }
    if (this.#socket.readyState !== 1 || this.#views.has(frame.id)) {
      session.close()
      return
    }
    this.#views.set(frame.id, session)
    this.send({ t: 'reply', ref: frame.ref, id: frame.id, ...session.attach(this, this.#request) })
  }

  /** Rate limit: a token bucket per socket; a socket that keeps flooding is closed. */
  #take (): boolean {
    const { burst, perSecond } = this.#core.opts.rateLimit
    const now = Date.now()
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilled) / 1000) * perSecond)
    this.#refilled = now
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      this.#strikes = 0
      return true
    }
    // A socket that keeps sending past a whole burst of refusals is abusive.
    if (++this.#strikes > burst) this.close(1008, 'rate limit exceeded')
    return false
  }

  #refuse (code: WireErrorCode, detail: string, ref?: number, id?: string): void {
    this.send(errorFrame(this.#core, code, detail, { ref, id }))
  }

  #onClose (): void {
    if (this.#closed) return
    this.#closed = true
    for (const session of this.#views.values()) session.close()
    this.#views.clear()
    this.#core.stats.sockets--
  }
}

/**
 * The `ref` and view `id` of a frame that will not be parsed (too large, over
 * the rate limit), read from its first bytes, where the bundle writes them,
 * so the browser can settle the call it is waiting on.
 */
function peek (data: Buffer): [number | undefined, string | undefined] {
  const head = data.subarray(0, 96).toString('latin1')
  const ref = /"ref":(\d{1,15})[,}]/.exec(head)
  const id = /"id":"(lv-[\w-]{10})"/.exec(head)
  return [ref === null ? undefined : Number(ref[1]), id?.[1]]
}

function refOf (frame: unknown): number | undefined {
  const ref = (frame as any)?.ref
  return Number.isSafeInteger(ref) && ref > 0 ? ref : undefined
}
