import { FST_LIVE_STREAM } from './errors.js'
import { escapeAttr } from './render.js'
import { kRuntime } from './symbols.js'

// Streams (API.md §10): large collections the server renders once and then
// forgets. A view records operations (inserts, deletes, resets) between
// renders; the next render takes them: the template sees only the new items,
// and the stream's container in the HTML carries the operations the browser
// applies to the items it keeps (browser/streams.ts). After the render the
// operations are dropped: the server holds no stream item, whatever the
// number it streamed, only its last render's HTML (what the browser holds,
// for deltas), which has the last batch in it.
//
// The container is found in the render by its `live-stream` attribute: its
// value names the stream, or else its `id` does. The operations go in one
// attribute on it, `data-live-stream-ops`, JSON:
//   {"r":1}                  reset: clear the stream first
//   {"d":["posts-3",...]}    delete these items
//   {"i":[["posts-9",0,20]]} an inserted item's position and limit, for the
//                            items that are not appended without a limit
// Whatever delivers the HTML (a delta, a full render, a rejoin) delivers its
// operations, and applying the same operations twice leaves the page as
// once: an insert of an item already there updates it in place.

/** Options of `this.stream()` and `this.streamInsert()`. */
export interface StreamOptions {
  /** Where the items go: `-1` (default) appends, `0` prepends, `n` inserts before the n-th item. */
  at?: number
  /** Keep at most this many items in the page after each insert: the first ones when positive, the last ones when negative. */
  limit?: number
  /** Clear the stream first (`this.stream()` only). */
  reset?: boolean
}

/** A stream's declaration in `static streams` (no options yet). */
export type StreamConfig = Record<string, never>

/** Items waiting for a render, per stream; past it the oldest are dropped (stream in batches). */
export const MAX_WAITING = 10_000

const kStreams = Symbol('fastify-live.streams')

interface Insert { item: object, at: number, limit: number | undefined }

/** One stream's operations since the last render. */
class Ops {
  reset = false
  readonly deletes = new Set<string>()
  readonly inserts = new Map<string, Insert>()

  clear (): void {
    this.reset = true
    this.deletes.clear()
    this.inserts.clear()
  }

  delete (domId: string): void {
    this.inserts.delete(domId)
    this.deletes.add(domId)
  }

  /** The latest insert of an item wins, at its own position; a delete before it still applies (delete, then insert). */
  insert (domId: string, insert: Insert): void {
    this.inserts.delete(domId)
    this.inserts.set(domId, insert)
  }

  /** Replay `later` on top of these: the operations of both renders, as one. */
  merge (later: Ops): Ops {
    if (later.reset) return later
    for (const d of later.deletes) this.delete(d)
    for (const [d, ins] of later.inserts) this.insert(d, ins)
    return this
  }

  /** The container's attribute value. */
  json (): string {
    const out: { r?: 1, d?: string[], i?: Array<[string, number, number | null]> } = {}
    if (this.reset) out.r = 1
    if (this.deletes.size > 0) out.d = [...this.deletes]
    const placed: Array<[string, number, number | null]> = []
    for (const [d, { at, limit }] of this.inserts) if (at !== -1 || limit !== undefined) placed.push([d, at, limit ?? null])
    if (placed.length > 0) out.i = placed
    return JSON.stringify(out)
  }
}

/** The items of one stream as the template sees them: each with its `domId`. */
export type StreamItem = Record<string, unknown> & { domId: string }

/** A view's streams: the operations waiting for the next render. */
export class Streams {
  readonly #view: string
  readonly #names: ReadonlySet<string>
  #waiting = new Map<string, Ops>()
  /** What the last render took, until it is known to have reached the browser. */
  #taken: Map<string, Ops> | null = null
  /** Whether the last render was held back (`unsent`), and whether the one before this render's was. */
  #held = false
  #wasHeld = false
  #warned = false
  /** Told (once per view) when items were dropped past MAX_WAITING: the view's logger, once it has one. */
  readonly #warn: (message: string) => void

  constructor (view: string, names: ReadonlySet<string>, warn: (message: string) => void = () => {}) {
    this.#view = view
    this.#names = names
    this.#warn = warn
  }

  /** `this.stream(name, items, { at, limit, reset })`. */
  stream (name: string, items: Iterable<object>, options: StreamOptions = {}): void {
    const ops = this.#ops(name, 'stream')
    const { at, limit } = this.#options(name, options)
    if (options.reset === true) ops.clear()
    if (items == null || typeof (items as any)[Symbol.iterator] !== 'function') {
      throw new FST_LIVE_STREAM(`${this.#view}.stream("${name}", items): items must be an array (or another iterable) of objects with an \`id\``)
    }
    let k = 0
    // A batch inserted at a position keeps its order there: each item goes one further.
    for (const item of items) ops.insert(this.#domId(name, item), { item, at: at === -1 ? -1 : at + k++, limit })
    this.#bound(name, ops)
  }

  /** `this.streamInsert(name, item, { at, limit })`. */
  insert (name: string, item: object, options: StreamOptions = {}): void {
    const ops = this.#ops(name, 'streamInsert')
    const { at, limit } = this.#options(name, options)
    ops.insert(this.#domId(name, item), { item, at, limit })
    this.#bound(name, ops)
  }

  /** `this.streamDelete(name, item)`: an item (or anything with its `id`). */
  delete (name: string, item: object): void {
    this.#ops(name, 'streamDelete').delete(this.#domId(name, item))
  }

  /** `this.streamReset(name, items?)`. */
  reset (name: string, items: Iterable<object> = []): void {
    this.#ops(name, 'streamReset')
    this.stream(name, items, { reset: true })
  }

  /** A view mounted (anew): the page's items of an earlier mount are not this one's. */
  resetAll (): void {
    for (const name of this.#names) this.#ops(name, 'mount').reset = true
  }

  /** `streams` for the template: the items waiting, each with its `domId`; the render takes them. */
  take (): Record<string, StreamItem[]> {
    const context: Record<string, StreamItem[]> = {}
    for (const name of this.#names) context[name] = []
    const taken = this.#waiting
    this.#waiting = new Map()
    this.#wasHeld = this.#held
    this.#held = false
    this.#taken = taken.size > 0 ? taken : null
    for (const [name, ops] of taken) {
      const items = context[name]!
      for (const [domId, { item }] of ops.inserts) items.push({ ...item, domId } as StreamItem)
    }
    return context
  }

  /**
   * Write the operations the render took on their containers; every
   * container gets the attribute (`{}` when nothing happened to it), so one
   * that arrives in new HTML is known to the browser as not yet applied.
   */
  mark (html: string): string {
    const taken = this.#taken
    let out = ''
    let from = 0
    for (let at = html.indexOf(ATTR); at >= 0; at = html.indexOf(ATTR, at + ATTR.length)) {
      const after = html.charCodeAt(at + ATTR.length)
      // ` live-stream` as an attribute of a start tag (not `live-stream-empty`, not text)
      if (!isSpace(html.charCodeAt(at - 1)) || !(after === 61 /* = */ || after === 62 /* > */ || after === 47 /* / */ || isSpace(after))) continue
      const open = html.lastIndexOf('<', at)
      if (open < 0 || html.lastIndexOf('>', at) > open) continue
      const close = html.indexOf('>', at)
      if (close < 0) break
      const tag = html.slice(open, close)
      const name = attrValue(tag, 'live-stream') || attrValue(tag, 'id')
      const ops = name === undefined ? undefined : taken?.get(name)
      const end = html.charCodeAt(close - 1) === 47 /* / */ ? close - 1 : close
      out += html.slice(from, end) + ` ${OPS}="${ops === undefined ? '{}' : escapeAttr(ops.json())}"`
      from = end
    }
    return from === 0 ? html : out + html.slice(from)
  }

  /**
   * The last render did not reach the browser (the socket was backed up):
   * its operations wait for the next render, before the ones made since.
   */
  unsent (): void {
    const taken = this.#taken
    this.#held = true
    if (taken === null) return
    this.#taken = null
    for (const [name, later] of this.#waiting) {
      const earlier = taken.get(name)
      taken.set(name, earlier === undefined ? later : earlier.merge(later))
    }
    this.#waiting = taken
    for (const [name, ops] of taken) this.#bound(name, ops)
  }

  /**
   * The render came out the same as the last one, so nothing is sent: its
   * operations reach the browser only if the last render's did. After a
   * render held back (the same items given back and rendered again), they
   * wait again.
   */
  repeated (): void {
    if (this.#wasHeld) this.unsent()
  }

  /** Items waiting for a render, in all streams (for tests and stats). */
  get waiting (): number {
    let n = 0
    for (const ops of this.#waiting.values()) n += ops.inserts.size
    return n
  }

  #ops (name: string, what: string): Ops {
    if (!this.#names.has(name)) {
      throw new FST_LIVE_STREAM(`${this.#view}.${what}(${JSON.stringify(name)}): the view declares no stream of that name; add it to static streams (declared: ${[...this.#names].join(', ') || 'none'}), e.g. static streams = { ${/^[A-Za-z_$][\w$]*$/.test(String(name)) ? name : 'posts'}: {} }`)
    }
    let ops = this.#waiting.get(name)
    if (ops === undefined) this.#waiting.set(name, ops = new Ops())
    return ops
  }

  #options (name: string, options: StreamOptions): { at: number, limit: number | undefined } {
    const { at = -1, limit } = options
    if (!Number.isInteger(at) || at < -1) {
      throw new FST_LIVE_STREAM(`${this.#view}: stream "${name}" got at: ${String(at)}; \`at\` is -1 (append, the default), 0 (prepend) or the index of the item to insert before`)
    }
    if (limit !== undefined && (!Number.isInteger(limit) || limit === 0)) {
      throw new FST_LIVE_STREAM(`${this.#view}: stream "${name}" got limit: ${String(limit)}; \`limit\` is a non-zero integer: keep the first n items (n > 0) or the last -n (n < 0)`)
    }
    return { at, limit }
  }

  #domId (name: string, item: object): string {
    const id = (item as { id?: unknown } | null)?.id
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number' && typeof id !== 'bigint') {
      throw new FST_LIVE_STREAM(`${this.#view}: an item of stream "${name}" has no \`id\` (got ${item === null ? 'null' : typeof item === 'object' ? `an object with id ${String(id)}` : typeof item}); every stream item needs a string or number \`id\`, unique in its stream`)
    }
    return `${name}-${String(id)}`
  }

  #bound (name: string, ops: Ops): void {
    const over = ops.inserts.size - MAX_WAITING
    if (over <= 0) return
    let k = 0
    for (const domId of ops.inserts.keys()) {
      if (k++ >= over) break
      ops.inserts.delete(domId)
    }
    if (!this.#warned) this.#warn(`fastify-live: ${this.#view} has more than ${MAX_WAITING} items of stream "${name}" waiting for a render; the oldest are dropped. Stream in batches (await this.push() between them)`)
    this.#warned = true
  }
}

const ATTR = 'live-stream'
const OPS = 'data-live-stream-ops'

function isSpace (c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12
}

/** The value of the attribute `name` in a start tag's text, `''` when it has none, `undefined` when absent. */
function attrValue (tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}(?:\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'=<>\`]+)))?(?=[\\s/>]|$)`).exec(tag)
  if (m === null) return undefined
  return m[1] ?? m[2] ?? m[3] ?? ''
}

/** The names of `static streams`, checked once at registration. */
export function streamNames (View: { name: string, streams?: unknown }): ReadonlySet<string> {
  const declared = View.streams
  if (declared === undefined) return new Set()
  if (typeof declared !== 'object' || declared === null || Array.isArray(declared)) {
    throw new FST_LIVE_STREAM(`${View.name}.streams must be an object of stream name → options, e.g. static streams = { posts: {} }`)
  }
  return new Set(Object.keys(declared))
}

/** A view's streams, made on first use; `undefined` for a view that declares none. */
export function streamsOf (view: object): Streams | undefined {
  const own = (view as { [kStreams]?: Streams })[kStreams]
  if (own !== undefined) return own
  const View = view.constructor as { name: string, streams?: unknown }
  if (View.streams === undefined) return undefined
  const runtime = view as { [kRuntime]?: { log?: { warn (o: object, m: string): void } } }
  const streams = new Streams(View.name, streamNames(View), (message) => runtime[kRuntime]?.log?.warn({ view: View.name }, message))
  Object.defineProperty(view, kStreams, { value: streams, enumerable: false })
  return streams
}

/** `streamsOf`, for the view's own methods: a view that declares no streams is told how to. */
export function viewStreams (view: object, what: string, name: string): Streams {
  const streams = streamsOf(view)
  if (streams === undefined) {
    throw new FST_LIVE_STREAM(`${view.constructor.name}.${what}(${JSON.stringify(name)}): the view declares no streams; add static streams = { ${/^[A-Za-z_$][\w$]*$/.test(String(name)) ? name : 'posts'}: {} } to the class`)
  }
  return streams
}
