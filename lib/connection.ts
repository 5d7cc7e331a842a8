import type { FastifyRequest } from 'fastify'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'
import type { Core } from './core.js'
import type { WireErrorCode } from './errors.js'
import { missingPermissions } from './permissions.js'
import { navigate } from './navigate.js'
import { errorFrame, replyFrame, tooDeep, validateFrame, type InboundFrame, type JoinFrame, type UrlFrame } from './protocol.js'
import { FRAME_COST, RateLimiter, type Verdict } from './rate-limit.js'
import { Session, type Outbox } from './session.js'
import { SnapshotBudget } from './snapshots.js'
import { DIRECT_MAX_BYTES, directSocket, textFrame, textFrameHeader } from './text-frames.js'
import type { ViewInfo } from './catalog.js'

/**
 * One page's WebSocket: reads frames, validates them, and hands each to the
 * session it addresses; writes what its sessions send, within a budget of
 * unsent bytes. It moves frames; views and rendering live elsewhere.
 */
export class Connection implements Outbox {
  readonly #core: Core
  readonly #socket: WebSocket
  /** The TCP socket small frames are written to in one piece (lib/text-frames.ts), if any. */
  readonly #direct: Socket | null
  readonly #request: FastifyRequest
  readonly #views = new Map<string, Session>()
  readonly #limiter: RateLimiter
  #closed = false
  /** Joins run one at a time, in arrival order, so a parent remounted by its join has handed off its embeds before their joins look for them. */
  #joins: Promise<void> = Promise.resolve()
  /** Views whose renders were held back while the socket was backed up: each gets one full render when it drains. */
  #stale: Set<Session> | null = null
  /** Closes the socket if it stays backed up past `drainTimeout`. */
  #stallTimer: NodeJS.Timeout | null = null
  /** Something came from the client (a pong, a frame) since the last ping (`heartbeat()`). */
  #heard = true
  /** `@cache` snapshot memory of this socket's views; made when one first caches a result. */
  #snapshots: SnapshotBudget | undefined

  constructor (core: Core, socket: WebSocket, request: FastifyRequest) {
    this.#core = core
    this.#socket = socket
    this.#direct = directSocket(socket)
    this.#request = request
    this.#limiter = new RateLimiter(core.opts.rateLimit)
    core.stats.sockets++
    // Attached synchronously, before any await, so no early frame is lost.
    socket.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary))
    socket.on('close', (code) => this.#onClose(code))
    socket.on('pong', () => { this.#heard = true })
    socket.on('error', (err) => request.log.debug({ err }, 'fastify-live: socket error'))
  }

  get viewCount (): number { return this.#views.size }

  /** The views joined on this socket (template edits re-render them: lib/template-watch.ts). */
  get sessions (): IterableIterator<Session> { return this.#views.values() }

  sendText (json: string): void {
    if (this.#socket.readyState !== 1) return
    // Longer than DIRECT_MAX_BYTES in UTF-16 units is longer in UTF-8 bytes: not measured (a large render took 1 ms to measure).
    const frame = this.#direct === null || json.length > DIRECT_MAX_BYTES ? null : textFrame(json)
    if (frame === null) this.#socket.send(json)
    else this.#direct!.write(frame)
  }

  sendAround (head: string, body: Buffer, tail: string): void {
    if (this.#socket.readyState !== 1) return
    const before = Buffer.from(head)
    const after = Buffer.from(tail)
    if (this.#direct === null) {
      this.#socket.send(Buffer.concat([before, body, after]), { binary: false })
      return
    }
    // One frame in three writes, the body's bytes not copied: a copy (and a
    // large allocation outside the heap, which V8 answers with collections)
    // per request was most of what a flood of renders still cost.
    const direct = this.#direct
    direct.cork()
    direct.write(Buffer.concat([textFrameHeader(before.length + body.length + after.length), before]))
    direct.write(body)
    direct.write(after)
    direct.uncork()
  }

  // ---- backpressure ----------------------------------------------------------

  /**
   * Unsent bytes past the socket's budget, or the socket behind while all
   * sockets together are past theirs (lib/unsent-bytes.ts): a client that
   * stops reading, or many of them, must not make the server buffer without limit.
   */
  get backedUp (): boolean {
    const held = this.#socket.bufferedAmount
    if (held === 0) return false
    // Asked first, so that a socket past its own budget is counted in the total too.
    const overTotal = this.#core.unsent.over(this.#socket, this.#tcp)
    return held > this.#core.opts.maxBufferedBytes || overTotal
  }

  markStale (session: Session): void {
    if (this.#stale === null) {
      this.#stale = new Set()
      // Nor is it read until it drains: every frame it sends would be answered
      // into the same backlog (and its work done for nobody). Its frames wait
      // in TCP, which pushes back on the client in turn.
      this.#socket.pause()
      this.#tcp?.once('drain', () => this.#drained())
      this.#stallTimer = setTimeout(() => this.#stalled(), this.#core.opts.drainTimeout)
    }
    this.#stale.add(session)
  }

  #drained (): void {
    const stale = this.#stale
    if (stale === null) return
    this.#stale = null
    clearTimeout(this.#stallTimer!)
    this.#stallTimer = null
    this.#socket.resume()
    for (const session of stale) if (!session.closed) session.resync()
  }

  #stalled (): void {
    const { maxBufferedBytes, maxTotalBufferedBytes, drainTimeout } = this.#core.opts
    const buffered = this.#socket.bufferedAmount
    const budget = buffered > maxBufferedBytes ? `maxBufferedBytes (${maxBufferedBytes} bytes)` : `maxTotalBufferedBytes (${maxTotalBufferedBytes} bytes, all sockets)`
    this.#request.log.warn({ buffered }, `fastify-live: closed a socket that stayed past ${budget} for drainTimeout (${drainTimeout} ms): the client is not reading`)
    this.close(1013, 'not reading')
    // The TCP socket keeps what was queued until its peer reads it: drop it.
    this.#tcp?.destroy()
  }

  /** The TCP socket under the WebSocket (ws keeps it as `_socket`): its `drain` ends a hold-back. */
  get #tcp (): Socket | undefined {
    return (this.#socket as unknown as { _socket?: Socket })._socket
  }

  session (id: string): Session | undefined {
    return this.#views.get(id)
  }

  get snapshotBudget (): SnapshotBudget {
    return (this.#snapshots ??= new SnapshotBudget(this.#core.opts.maxCacheBytes))
  }

  /** Close the socket and end its views now, without waiting for the closing handshake. */
  close (code: number, reason: string): void {
    this.#socket.close(code, reason)
    this.#onClose(code)
  }

  /**
   * The app closes (a restart, a deploy): park every view, then close with
   * 1012 so the browser reconnects (to any process) and resumes them.
   */
  async shutdown (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const views = [...this.#views.values()]
    this.#views.clear()
    await Promise.all(views.map(async (session) => {
      await session.park()
      session.end()
    }))
    this.#socket.close(1012, 'server restarting')
    // ws then waits up to 30 s for the client's closing frame, keeping the
    // process alive that long after app.close() when a client is gone or
    // stuck; the 1012 has been sent, so a client that has not answered within
    // a second is cut off.
    const cut = setTimeout(() => this.#socket.terminate(), SHUTDOWN_CLOSE_MS)
    this.#socket.once('close', () => clearTimeout(cut))
    this.#released()
  }

  /**
   * Called every `pingInterval` (lib/plugin.ts): a socket that sent nothing
   * back since the last ping is gone without a close frame, so it is dropped
   * as a drop is (1006: its views park). A socket held back for not reading
   * is left to `drainTimeout`: its pongs wait unread behind the pause.
   */
  heartbeat (): void {
    if (this.#closed || this.#stale !== null) return
    if (!this.#heard) {
      this.#request.log.debug('fastify-live: dropped a socket that answered no ping')
      this.#socket.terminate()
      return
    }
    this.#heard = false
    this.#socket.ping()
  }

  // ---- inbound ---------------------------------------------------------------

  #onMessage (data: Buffer, isBinary: boolean): void {
    if (this.#closed) return
    this.#heard = true
    // Every frame costs one; a join and a full render cost more once they turn out to be real work.
    const verdict = this.#limiter.take(1)
    // The ref and id are read for a refusal only: most frames pass.
    if (verdict !== 'ok') return this.#refused(verdict, ...peek(data))
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
    this.#dispatch(frame, data.length)
  }

  /** Rate limit: charge a frame `cost` tokens; `false` when it is refused (and maybe answered, or the socket closed). */
  #charge (cost: number, ref: number | undefined, id: string | undefined): boolean {
    const verdict = this.#limiter.take(cost)
    if (verdict === 'ok') return true
    this.#refused(verdict, ref, id)
    return false
  }

  /** A frame over the rate limit: answered, silently dropped, or the socket closed (a flood). */
  #refused (verdict: Exclude<Verdict, 'ok'>, ref: number | undefined, id: string | undefined): void {
    if (verdict === 'close') this.close(1008, 'rate limit exceeded')
    else if (verdict === 'refuse') this.#refuse('rate_limited', `more than ${this.#core.opts.rateLimit.perSecond} frames a second; slow down (a join counts as ${FRAME_COST.join} frames, a full render as ${FRAME_COST.render})`, ref, id)
  }

  #dispatch (frame: InboundFrame, bytes: number): void {
    if (frame.t === 'join' || frame.t === 'navigate') {
      // A navigate (lib/navigate.ts) mounts a view too: in the joins' order, so the join that follows its answer finds it handed over.
      if (frame.t === 'navigate' && !this.#charge(FRAME_COST.join - 1, frame.ref, frame.id)) return
      const work = frame.t === 'join' ? () => this.#join(frame) : () => this.#navigate(frame)
      this.#joins = this.#joins.then(work).catch((err) => {
        this.#request.log.error({ err }, `fastify-live: ${frame.t} failed`)
        this.#refuse('join_refused', `the ${frame.t} failed`, frame.ref, frame.id)
      })
      return
    }
    const session = this.#views.get(frame.id)
    if (session === undefined) {
      // Leaving a view that is already gone is not an error.
      if (frame.t === 'leave') return this.sendText(replyFrame(frame.ref, frame.id, 0))
      return this.#refuse('unknown_view', `no view ${frame.id} is joined on this socket; join it first`, frame.ref, frame.id)
    }
    let queued = true
    switch (frame.t) {
      case 'event':
        queued = session.enqueue(session.handleEvent, frame, bytes)
        break
      case 'state': queued = session.enqueue(session.handleState, frame, bytes); break
      case 'render':
        if (!this.#charge(FRAME_COST.render - 1, frame.ref, frame.id)) return
        queued = session.requestRender(frame.ref, bytes)
        break
      case 'recover': queued = session.enqueue(session.handleRecover, frame, bytes); break
      case 'upload': queued = session.enqueue(session.handleUpload, frame, bytes); break
      case 'params': queued = session.enqueue(session.handleUrl, frame, bytes); break
      case 'leave':
        this.#views.delete(frame.id)
        session.end()
        return this.sendText(replyFrame(frame.ref, frame.id, session.version))
    }
    if (!queued) {
      this.#refuse('busy', `${session.info.name} already has ${this.#core.opts.queue.maxJobs} frames (or ${this.#core.opts.queue.maxBytes} bytes) waiting; wait for the answers before sending more (queueLimit)`, frame.ref, frame.id)
    }
  }

  async #join (frame: JoinFrame): Promise<void> {
    // Queued behind other joins on a socket that has closed since: nobody would see it.
    if (this.#closed) return
    const core = this.#core
    const refuse = (detail: string): void => this.#refuse('join_refused', detail, frame.ref, frame.id)
    const check = core.signer.verify(frame.token)
    // `stale`: the page itself is out of date (a new secret, an expired token): the browser reloads it once.
    if (!check.ok) return this.sendText(errorFrame(core.opts.debug, 'join_refused', check.reason, { ref: frame.ref, id: frame.id, stale: true }))
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
      const missing = await missingPermissions(core.opts, this.#request, route.permissions)
      if (missing !== null) return this.#refuse('forbidden', `the route ${route.key} requires ${missing}`, frame.ref, frame.id)
    }
    if (!this.#charge(FRAME_COST.join - 1, frame.ref, frame.id)) return
    const init = { routeKey: claims.r, chain: claims.c, params: claims.a, query: claims.q, props: claims.p, request: this.#request, id: claims.i, url: claims.u }
    const handed = await core.handoff.take(frame.id)
    let session: Session | undefined
    let fresh = false
    if (handed !== undefined && 'live' in handed) {
      session = handed.live
      if (session.info !== info) {
        session.close()
        session = undefined
      }
    } else if (handed !== undefined) {
      session = Session.adopt(core, info, init, handed.entry)
    }
    if (session === undefined) {
      if (this.#closed) return
      try {
        session = await Session.mount(core, info, init)
        await session.renderRoot()
        fresh = true
      } catch (err) {
        this.#request.log.error({ err, view: info.name }, 'fastify-live: mount failed on join')
        return this.#refuse('handler_error', `${info.name}.mount() threw: ${(err as Error).message}`, frame.ref, frame.id)
      }
    }
    if (this.#closed || this.#socket.readyState !== 1 || this.#views.has(frame.id)) {
      session.end()
      return
    }
    this.#views.set(frame.id, session)
    if (core.opts.recheckPermissions === 'every-event') session.routePermissions = route.permissions
    const joined = session.attach(this, this.#request)
    // `fresh`: mounted anew here (nothing was handed over or parked): the page may recover its forms (docs/reconnects.md).
    this.sendText(replyFrame(frame.ref, frame.id, joined.v, (joined.html === undefined ? '' : `,"html":${JSON.stringify(joined.html)}`) + (fresh ? ',"fresh":true' : '')))
  }

  async #navigate (frame: UrlFrame): Promise<void> {
    if (!this.#closed) this.sendText(await navigate(this.#core, this.#request, this.#views.get(frame.id), frame))
  }

  #refuse (code: WireErrorCode, detail: string, ref?: number, id?: string): void {
    this.sendText(errorFrame(this.#core.opts.debug, code, detail, { ref, id }))
  }

  /**
   * A socket closed by the browser (a page closed or left: 1000, 1001) or by
   * the server ends its views; one that dropped without a close frame
   * (1006: network, sleep, proxy) parks them for a rejoin to resume.
   */
  #onClose (code: number): void {
    if (this.#closed) return
    this.#closed = true
    for (const session of this.#views.values()) {
      if (code === 1006) void session.park()
      else session.end()
    }
    this.#views.clear()
    this.#released()
  }

  #released (): void {
    this.#stale = null
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer)
    this.#core.stats.sockets--
  }
}

/** How long a socket closed by shutdown() may take to answer the close before it is cut. */
const SHUTDOWN_CLOSE_MS = 1000

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
