import t from 'tap'
import WebSocket from 'ws'
import type { FastifyRequest } from 'fastify'
import { LiveView, cache, eventHandler, permissionRequired } from '../../lib/index.js'
import type { Session } from '../../lib/session.js'
import { kRuntime } from '../../lib/symbols.js'
import { liveStats, parseRoots } from '../../lib/testing.js'
import { newRootId, TokenSigner } from '../../lib/token.js'
import { SECRET } from '../helpers/app.js'
import { serve } from '../helpers/browser.js'
import { BigView, CounterView, bounded, latencyUnderRenderFloods, memoryUnderNonReaders, open, serve as serveLogged } from '../helpers/hardening.js'
import { until } from '../helpers/live.js'

// A running server under attack: thousands of malformed, hostile and flooding
// frames from many sockets, while well-behaved sessions keep counting. The
// seed is printed; rerun a failure with STRESS_SEED=<seed>.

const SEED = Number(process.env.STRESS_SEED ?? Date.now() % 2 ** 31)
const GOOD_SESSIONS = 4
const GOOD_EVENTS = 150 // each; with the join and the final render, under the default burst of 200
const ATTACKERS = 20 // sockets sending designed refusals at their own victim view
const ATTACKS_EACH = 170
const FUZZERS = 10 // sockets sending random frames
const FUZZ_EACH = 190
const FLOODERS = 3
const FLOOD_EACH = 3000
const MAX_MESSAGE_BYTES = 65_536 // the default

/** Handler runs, server-side: refused frames must never reach a handler. */
const runs = { increment: 0, add: 0, reset: 0 }

class StressCounter extends LiveView {
  static override template = 'sec-counter.njk'
  static override listensTo = ['filter']
  count = 0
  filter = ''

  @eventHandler() increment () { runs.increment++; this.count++ }

  @eventHandler({ params: { by: { type: 'integer', minimum: 1, maximum: 10 } } })
  add ({ by = 1 }: { by?: number }) { runs.add++; this.count += by }

  @permissionRequired('admin') @eventHandler()
  reset () { runs.reset++; this.count = 0 }
}

class AdminView extends LiveView {
  static override template = 'sec-counter.njk'
  count = 0
  filter = ''
}

const fromHeader = (request: FastifyRequest) => String(request.headers['x-perms'] ?? '').split(',').filter(Boolean)

// ---- a seeded PRNG -----------------------------------------------------------

function rng (seed: number) {
  let s = seed >>> 0
  const next = (): number => {
    s = (s + 0x6D2B79F5) >>> 0
    let x = s
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$-.{}[]":, \\/é€😀\u0000\u2028'
  const string = (max = 12): string => Array.from({ length: int(max) }, () => pick([...chars])).join('')
  return { next, int, pick, string, bool: () => next() < 0.5 }
}
type Rng = ReturnType<typeof rng>

// ---- a WebSocket client that counts what it gets ---------------------------------

interface Frame { t: string, ref?: number, id?: string, v?: number, html?: string, code?: string, message?: string, handler?: string }

class Client {
  readonly ws: WebSocket
  readonly frames: Frame[] = []
  readonly byRef = new Map<number, Frame>()
  readonly refless: Frame[] = []
  /** Answers to a ref that was already answered: there must be none. */
  readonly duplicates: Frame[] = []
  answers = 0
  closeCode: number | undefined
  readonly opened: Promise<void>
  readonly closed: Promise<number>
  #ref = 0
  readonly #checks = new Set<() => void>()

  constructor (url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, { headers })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.ws.on('error', () => {}) // refusals are asserted through close codes and upgrade statuses
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      this.frames.push(frame)
      if (frame.t === 'reply' || frame.t === 'error') {
        this.answers++
        if (frame.ref === undefined) this.refless.push(frame)
        else if (this.byRef.has(frame.ref)) this.duplicates.push(frame)
        else this.byRef.set(frame.ref, frame)
      }
      for (const check of this.#checks) check()
    })
    this.closed = new Promise((resolve) => this.ws.once('close', (code) => {
      this.closeCode = code
      for (const check of this.#checks) check()
      resolve(code)
    }))
  }

  static async open (url: string, headers?: Record<string, string>): Promise<Client> {
    const client = new Client(url, headers)
    await client.opened
    return client
  }

  ref (): number { return ++this.#ref }

  /** Send a frame with a fresh ref and wait for its answer. */
  async call (frame: Record<string, unknown>): Promise<Frame> {
    const ref = this.ref()
    this.ws.send(JSON.stringify({ ...frame, ref }))
    await this.waitFor(() => this.byRef.has(ref), `the answer to ${JSON.stringify(frame).slice(0, 80)}`)
    return this.byRef.get(ref)!
  }

  raw (data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary })
  }

  /** Resolves once `test()` holds, checked on every frame and on close; a bound, not a sleep. */
  waitFor (test: () => boolean, what: string, limitMs = 20_000): Promise<void> {
    if (test()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (test()) { clearTimeout(timer); this.#checks.delete(check); resolve() } else if (this.closeCode !== undefined) {
          clearTimeout(timer); this.#checks.delete(check); reject(new Error(`the socket closed (${this.closeCode}) while waiting for ${what}`))
        }
      }
      const timer = setTimeout(() => { this.#checks.delete(check); reject(new Error(`timed out after ${limitMs} ms waiting for ${what}`)) }, limitMs)
      this.#checks.add(check)
    })
  }

  errors (): Frame[] { return this.frames.filter((f) => f.t === 'error') }
}

// ---- what attackers send -----------------------------------------------------------

interface Root { id: string, token: string }
interface AttackContext { r: Rng, c: Client, victim: Root, goodRoots: Root[], signer: TokenSigner, foreignSigner: TokenSigner }
/** One frame to send; `ref` is set when its answer carries a ref. */
interface Shot { data: string | Buffer, binary?: boolean, ref?: number }
interface Kind { name: string, expect: string, make (ctx: AttackContext): Shot }

const json = (c: Client, frame: Record<string, unknown>): Shot => {
  const ref = c.ref()
  return { data: JSON.stringify({ ...frame, ref }), ref }
}
const event = (ctx: AttackContext, h: string, p: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  json(ctx.c, { t: 'event', id: ctx.victim.id, h, p, type: 'click', ...extra })
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>
const sign = (signer: TokenSigner, claims: Record<string, unknown>, now?: number) =>
  signer.sign({ r: '/counter', c: [], i: newRootId(), a: {}, q: {}, p: {}, ...claims } as any, now)
const join = (ctx: AttackContext, token: string, id = claimsOf(token).i as string) => json(ctx.c, { t: 'join', id, token })
function nested (depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {}
  for (let k = 0; k < depth; k++) value = { a: value }
  return value
}

const KINDS: Kind[] = [
  {
    name: 'invalid JSON',
    expect: 'bad_message',
    make: ({ r }) => {
      const text = r.pick(['{"t":"event",', 'nope', "{'t':'join'}", '{"t":"render","ref":1,}', '', 'undefined', '{"t":"leave"']) + r.string(20)
      return { data: `}${text}` } // a leading "}" is never valid JSON
    },
  },
  {
    name: 'wrong types',
    expect: 'bad_message',
    make: (ctx) => {
      const { r, victim: { id, token } } = ctx
      return json(ctx.c, r.pick<Record<string, unknown>>([
        { t: 'event', id, h: 42, p: {}, type: 'click' },
        { t: 'event', id, h: 'increment', p: [], type: 'click' },
        { t: 'event', id, h: 'increment', p: 'count=99', type: 'click' },
        { t: 'event', id, h: 'increment', p: null, type: 'click' },
        { t: 'event', id, h: 'increment', p: {}, type: true },
        { t: 'event', id: 12345, h: 'increment', p: {}, type: 'click' },
        { t: 'join', id, token: { forged: true } },
        { t: 'state', id, values: [['filter', 'x']] },
        { t: 'render', id, hit: 5 },
        { t: 7, id },
        { t: ['event'], id, h: 'increment', p: {}, type: 'click' },
        { t: 'join', id, token: '' },
        { t: 'join', id, token: 'x'.repeat(16_385) },
        { t: 'event', id, h: 'increment', p: Object.fromEntries(Array.from({ length: 257 }, (_, k) => [`k${k}`, k])), type: 'click' },
        { t: 'event', id, h: 'increment', p: {}, type: 'click', hit: '../../snap' },
        { t: 'render', id: token.slice(0, 13) },
      ]))
    },
  },
  {
    name: 'missing fields',
    expect: 'bad_message',
    make: (ctx) => {
      const { r, victim: { id, token } } = ctx
      const frame = r.pick<Record<string, unknown>>([
        { t: 'event', id, h: 'increment', p: {}, type: 'click' },
        { t: 'join', id, token },
        { t: 'state', id, values: {} },
        { t: 'render', id },
      ])
      delete frame[r.pick(Object.keys(frame))]
      return json(ctx.c, frame)
    },
  },
  {
    name: 'unreadable ref',
    expect: 'bad_message',
    make: ({ r, victim: { id } }) => ({ data: JSON.stringify({ t: 'event', id, h: 'increment', p: {}, type: 'click', ref: r.pick([0, -3, 1.5, '7', null, 2 ** 60, [1], {}]) }) }),
  },
  {
    name: 'extra fields',
    expect: 'bad_message',
    make: (ctx) => {
      const ref = ctx.c.ref()
      return ctx.r.pick<Shot>([
        { data: JSON.stringify({ t: 'render', ref, id: ctx.victim.id, admin: true }), ref },
        { data: `{"t":"render","ref":${ref},"id":"${ctx.victim.id}","__proto__":{"polluted":true}}`, ref },
        { data: JSON.stringify({ t: 'event', ref, id: ctx.victim.id, h: 'increment', p: {}, type: 'click', as: 'admin' }), ref },
      ])
    },
  },
  {
    name: 'oversized frame',
    expect: 'too_large',
    // Refused unread, but its ref is in its first bytes: the answer carries it.
    make: (ctx) => {
      const ref = ctx.c.ref()
      return { data: JSON.stringify({ t: 'event', ref, id: ctx.victim.id, h: 'add', p: { by: 1, filler: 'x'.repeat(MAX_MESSAGE_BYTES + ctx.r.int(8000)) }, type: 'click' }), ref }
    },
  },
  {
    name: 'deeply nested params',
    expect: 'bad_message',
    make: (ctx) => ctx.r.bool()
      ? event(ctx, 'increment', nested(9 + ctx.r.int(200)))
      : json(ctx.c, { t: 'state', id: ctx.victim.id, values: { filter: nested(9 + ctx.r.int(200)) } }),
  },
  {
    name: 'unknown view id',
    expect: 'unknown_view',
    make: (ctx) => {
      // Another page's view (a good session's) is as unknown here as a made-up one.
      const id = ctx.r.bool() ? ctx.r.pick(ctx.goodRoots).id : newRootId()
      return json(ctx.c, ctx.r.pick<Record<string, unknown>>([
        { t: 'event', id, h: 'increment', p: {}, type: 'click' },
        { t: 'event', id, h: 'reset', p: {}, type: 'click' },
        { t: 'render', id },
        { t: 'state', id, values: { filter: 'pwned' } },
      ]))
    },
  },
  {
    name: 'unknown handler',
    expect: 'unknown_handler',
    make: (ctx) => event(ctx, ctx.r.pick(['constructor', 'mount', 'push', 'startAsync', 'cancelAsync', 'handleAsyncResult', 'onClientState', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'Increment', `h${ctx.r.int(1e9)}`])),
  },
  {
    name: 'malformed handler name',
    expect: 'bad_message',
    make: (ctx) => event(ctx, ctx.r.pick(['', 'a.b', 'increment()', '1increment', 'in crement', 'incrément', 'constructor.prototype', '__proto__.polluted', 'x'.repeat(101), 'increment\n', '$$$-'])),
  },
  {
    name: 'malformed event type',
    expect: 'bad_message',
    make: (ctx) => event(ctx, 'increment', {}, { type: ctx.r.pick(['', 'CLICK', 'click1', 'on-click', 'x'.repeat(33)]) }),
  },
  {
    name: 'params failing the schema',
    expect: 'invalid_params',
    make: (ctx) => {
      const ref = ctx.c.ref()
      const by = ctx.r.pick<unknown>(['x', 0, 11, 1.5, -3, null, {}, [], 'ten', 1e300])
      return ctx.r.int(4) === 0
        ? { data: `{"t":"event","ref":${ref},"id":"${ctx.victim.id}","h":"add","p":{"by":2,"__proto__":{"count":1000}},"type":"click"}`, ref }
        : ctx.r.bool()
          ? { data: JSON.stringify({ t: 'event', ref, id: ctx.victim.id, h: 'add', p: { by }, type: 'click' }), ref }
          : { data: JSON.stringify({ t: 'event', ref, id: ctx.victim.id, h: 'add', p: { by: 1, count: 1000 }, type: 'click' }), ref }
    },
  },
  {
    name: 'handler without the permission',
    expect: 'forbidden',
    make: (ctx) => event(ctx, 'reset'),
  },
  {
    name: 'client state not listened to',
    expect: 'invalid_params',
    make: (ctx) => {
      const ref = ctx.c.ref()
      return ctx.r.bool()
        ? { data: JSON.stringify({ t: 'state', ref, id: ctx.victim.id, values: ctx.r.pick<Record<string, unknown>>([{ count: 999 }, { filter: 'x', count: 1 }, { constructor: 'x' }]) }), ref }
        : { data: `{"t":"state","ref":${ref},"id":"${ctx.victim.id}","values":{"__proto__":{"count":1000}}}`, ref }
    },
  },
  {
    name: 'forged token',
    expect: 'join_refused',
    make: (ctx) => join(ctx, ctx.r.pick([
      'garbage', '.', 'a.', '.b', `${Buffer.from('{"r":"/counter"}').toString('base64url')}.`,
      `${Buffer.from(JSON.stringify({ r: '/counter', c: [], i: 'lv-AAAAAAAAAA', x: 9e15, a: {}, q: {}, p: {} })).toString('base64url')}.${ctx.r.string(43).replace(/[^\w-]/g, 'A')}`,
    ]), newRootId()),
  },
  {
    name: 'tampered token',
    expect: 'join_refused',
    make: (ctx) => {
      const [, mac] = ctx.victim.token.split('.')
      const claims = claimsOf(ctx.victim.token)
      const changed = ctx.r.pick([{ q: { start: '1000' } }, { r: '/admin' }, { x: 9e15 }, { i: newRootId() }, { c: ['Admin'] }])
      const body = Buffer.from(JSON.stringify({ ...claims, ...changed })).toString('base64url')
      return join(ctx, `${body}.${mac}`, ctx.victim.id)
    },
  },
  {
    name: 'expired token',
    expect: 'join_refused',
    make: (ctx) => join(ctx, sign(ctx.signer, {}, Date.now() - 86_400_000 - ctx.r.int(1e6))),
  },
  {
    name: 'token for a route the server lacks',
    expect: 'join_refused',
    make: (ctx) => join(ctx, sign(ctx.signer, { r: ctx.r.pick(['/nope', '/counter/', '/COUNTER', '/_live/socket']) })),
  },
  {
    name: "token of another view's root",
    expect: 'join_refused',
    make: (ctx) => join(ctx, ctx.r.pick(ctx.goodRoots).token, newRootId()),
  },
  {
    name: 'token signed with another secret',
    expect: 'join_refused',
    make: (ctx) => join(ctx, sign(ctx.foreignSigner, {})),
  },
  {
    name: 'token for a protected route',
    expect: 'forbidden',
    make: (ctx) => join(ctx, sign(ctx.signer, { r: '/admin' })),
  },
  {
    name: 'second join of a joined view',
    expect: 'join_refused',
    make: (ctx) => join(ctx, ctx.victim.token),
  },
  {
    name: 'binary frame',
    expect: 'bad_message',
    make: (ctx) => ({
      binary: true,
      data: ctx.r.bool()
        ? Buffer.from(JSON.stringify({ t: 'event', ref: ctx.c.ref(), id: ctx.victim.id, h: 'increment', p: {}, type: 'click' }))
        : Buffer.from(Array.from({ length: 1 + ctx.r.int(64) }, () => ctx.r.int(256))),
    }),
  },
]

// ---- fuzz: random frames, answered one for one ---------------------------------------

const INVALID_REFS = [0, -1, 1.5, 'x', null, 2 ** 60, true, [], {}]

function randomJson (r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 4 : 7)) {
    case 0: return r.bool() ? r.int(2e6) - 1e6 : (r.next() - 0.5) * 10 ** r.int(300)
    case 1: return r.string()
    case 2: return r.bool()
    case 3: return null
    case 4: return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1))
    case 5: return Object.fromEntries(Array.from({ length: r.int(5) }, () => [r.string(6), randomJson(r, depth + 1)]))
    default: return r.pick([1e308, -0, '', '\u0000', 'lv-AAAAAAAAAA', '__proto__', 'constructor'])
  }
}

function fuzzFrame (r: Rng, c: Client): Shot {
  const validFrame = (): Record<string, unknown> => {
    const id = newRootId()
    return r.pick<Record<string, unknown>>([
      { t: 'join', id, token: `${r.string(30)}.${r.string(43)}` },
      { t: 'event', id, h: 'increment', p: {}, type: 'click' },
      { t: 'state', id, values: { filter: r.string() } },
      { t: 'render', id },
      { t: 'leave', id },
    ])
  }
  switch (r.int(8)) {
    case 0: return { data: JSON.stringify(randomJson(r)) ?? 'null' }
    case 6: case 7: {
      // Well-formed, with random content: it reaches the dispatcher, which finds no such view or token.
      const frame: Record<string, unknown> = { ...validFrame(), ref: c.ref() }
      if (frame.t === 'event') frame.p = Object.fromEntries(Array.from({ length: r.int(6) }, () => [r.string(8), randomJson(r)]))
      if (frame.t === 'event') frame.h = r.pick(['increment', 'reset', 'constructor', `x${r.int(1e6)}`])
      if (frame.t === 'state') frame.values = { [r.pick(['filter', 'count', '__proto__'])]: randomJson(r) }
      return { data: JSON.stringify(frame) }
    }
    case 1: {
      const frame: Record<string, unknown> = {}
      for (const key of ['t', 'ref', 'id', 'h', 'p', 'type', 'token', 'values', 'hit', r.string(4)]) {
        if (r.next() < 0.4) continue
        frame[key] = key === 't'
          ? r.pick(['join', 'event', 'state', 'render', 'leave', r.string(5)])
          : key === 'ref' ? (r.bool() ? c.ref() : r.pick(INVALID_REFS))
            : key === 'id' ? r.pick([newRootId(), r.string(13)])
              : randomJson(r)
      }
      return { data: JSON.stringify(frame) }
    }
    case 2: {
      const frame = { ...validFrame(), ref: c.ref() }
      const key = r.pick(Object.keys(frame))
      const mutation = r.int(3)
      if (mutation === 0) delete (frame as any)[key]
      else if (mutation === 1) (frame as any)[key] = randomJson(r)
      else (frame as any)[r.string(5)] = randomJson(r)
      return { data: JSON.stringify(frame) }
    }
    case 3: return { data: r.string(200) }
    case 4: {
      const text = JSON.stringify({ ...validFrame(), ref: c.ref() })
      return { data: text.slice(0, r.int(text.length - 1)) }
    }
    default: return { binary: true, data: Buffer.from(Array.from({ length: r.int(100) }, () => r.int(256))) }
  }
}

/** The ref its answer will carry: the frame is a JSON object whose `ref` is a positive safe integer. */
function predictedRef (shot: Shot): number | undefined {
  if (shot.binary === true) return undefined
  try {
    const value = JSON.parse(String(shot.data))
    const ref = typeof value === 'object' && value !== null && !Array.isArray(value) ? value.ref : undefined
    return Number.isSafeInteger(ref) && ref > 0 ? ref : undefined
  } catch {
    return undefined
  }
}

// ---- the test ----------------------------------------------------------------------

t.test('bad input from thousands of frames never hurts the good sessions', async (t) => {
  const started = Date.now()
  const crashes: unknown[] = []
  const onCrash = (err: unknown): void => { crashes.push(err) }
  process.on('unhandledRejection', onCrash)
  t.teardown(() => { process.off('unhandledRejection', onCrash) })

  const { app, url } = await serve(t, [['/counter', StressCounter], ['/admin', AdminView, { permissions: 'admin' }]], { permissions: fromHeader })
  const socketUrl = url.replace('http:', 'ws:') + '/_live/socket'
  const signer = new TokenSigner(SECRET, 60_000)
  const foreignSigner = new TokenSigner('f'.repeat(40), 60_000)
  const r = rng(SEED)
  t.comment(`seed ${SEED} (rerun with STRESS_SEED=${SEED})`)
  const clients: Client[] = []
  const open = async (headers?: Record<string, string>): Promise<Client> => {
    const client = await Client.open(socketUrl, headers)
    clients.push(client)
    return client
  }
  /** GET a page, open its socket and join its view, as the browser would. */
  const page = async (): Promise<{ c: Client, root: Root }> => {
    const res = await fetch(`${url}/counter`)
    if (res.status !== 200) throw new Error(`GET /counter answered ${res.status}`)
    const [root] = parseRoots(await res.text())
    const c = await open()
    const joined = await c.call({ t: 'join', id: root!.id, token: root!.token })
    if (joined.t !== 'reply') throw new Error(`join refused: ${JSON.stringify(joined)}`)
    return { c, root: root! }
  }

  // -- well-behaved sessions ----------------------------------------------------
  const good = await Promise.all(Array.from({ length: GOOD_SESSIONS }, page))
  const goodRoots = good.map((g) => g.root)
  /** Each event changes the count, so the version rises by exactly one per reply. */
  const runGood = async ({ c, root }: { c: Client, root: Root }): Promise<{ count: number, wrong: string[] }> => {
    let count = 0
    const wrong: string[] = []
    for (let k = 0; k < GOOD_EVENTS; k += 10) {
      const batch = []
      for (let j = k; j < Math.min(k + 10, GOOD_EVENTS); j++) {
        const by = 1 + (j % 5)
        const frame = j % 3 === 2
          ? { t: 'event', id: root.id, h: 'add', p: { by: j % 2 === 0 ? by : String(by) }, type: 'click' }
          : { t: 'event', id: root.id, h: 'increment', p: {}, type: 'click' }
        count += j % 3 === 2 ? by : 1
        batch.push(c.call(frame).then((reply) => {
          if (reply.t !== 'reply' || reply.v !== j + 2) wrong.push(`event ${j}: ${JSON.stringify(reply).slice(0, 200)}`)
        }))
      }
      await Promise.all(batch)
    }
    return { count, wrong }
  }

  // -- replays: a good session's token joined from another socket --------------------
  const replay = async (root: Root): Promise<{ joined: Frame, last: Frame, after: Frame }> => {
    const c = await open()
    const joined = await c.call({ t: 'join', id: root.id, token: root.token })
    let last = joined
    for (let k = 0; k < 5; k++) last = await c.call({ t: 'event', id: root.id, h: 'increment', p: {}, type: 'click' })
    // Replies may carry deltas; a render is always the full HTML.
    const after = await c.call({ t: 'render', id: root.id })
    return { joined, last, after }
  }

  // -- designed attacks, each socket at its own victim view -----------------------------
  const sentByKind = new Map<string, number>(KINDS.map((k) => [k.name, 0]))
  const wrongByKind = new Map<string, string[]>()
  const attack = async (): Promise<{ victimAfter: Frame }> => {
    const { c, root: victim } = await page()
    const ctx: AttackContext = { r, c, victim, goodRoots, signer, foreignSigner }
    const expected = new Map<number, Kind>()
    const reflessExpected: string[] = []
    for (let k = 0; k < ATTACKS_EACH; k++) {
      const kind = KINDS[(k + r.int(KINDS.length)) % KINDS.length]!
      const shot = kind.make(ctx)
      if (shot.ref === undefined) reflessExpected.push(kind.expect)
      else expected.set(shot.ref, kind)
      sentByKind.set(kind.name, sentByKind.get(kind.name)! + 1)
      c.raw(shot.data, shot.binary)
    }
    const total = ATTACKS_EACH + 1 // and the join
    await c.waitFor(() => c.answers >= total, `${total} answers`)
    for (const [ref, kind] of expected) {
      const answer = c.byRef.get(ref)!
      if (answer?.t !== 'error' || answer.code !== kind.expect) {
        wrongByKind.set(kind.name, [...(wrongByKind.get(kind.name) ?? []), JSON.stringify(answer)])
      }
    }
    const gotRefless = c.refless.map((f) => f.code!).sort()
    if (JSON.stringify(gotRefless) !== JSON.stringify(reflessExpected.sort())) {
      wrongByKind.set('(answers without ref)', [`expected ${reflessExpected.join(',')}; got ${gotRefless.join(',')}`])
    }
    const victimAfter = await c.call({ t: 'render', id: victim.id })
    return { victimAfter }
  }

  // -- fuzz ------------------------------------------------------------------------------
  const fuzzCodes = new Map<string, number>()
  const fuzz = async (): Promise<{ sent: number, problems: string[] }> => {
    const c = await open()
    const refs = new Set<number>()
    let refless = 0
    for (let k = 0; k < FUZZ_EACH; k++) {
      const shot = fuzzFrame(r, c)
      const ref = predictedRef(shot)
      if (ref === undefined) refless++
      else if (refs.has(ref)) { k--; continue } else refs.add(ref)
      c.raw(shot.data, shot.binary)
    }
    const problems: string[] = []
    await c.waitFor(() => c.answers >= FUZZ_EACH, `${FUZZ_EACH} fuzz answers`)
    for (const ref of refs) if (!c.byRef.has(ref)) problems.push(`no answer for ref ${ref}`)
    if (c.refless.length !== refless) problems.push(`${refless} frames without a readable ref, ${c.refless.length} answers without one`)
    for (const f of c.frames) {
      const code = f.t === 'error' ? f.code! : `(${f.t})`
      fuzzCodes.set(code, (fuzzCodes.get(code) ?? 0) + 1)
      const allowed = f.t === 'error'
        ? ['bad_message', 'unknown_view', 'join_refused'].includes(code)
        : f.t === 'reply' && f.v === 0 // leaving a view that is not there
      if (!allowed) problems.push(`unexpected ${JSON.stringify(f)}`)
    }
    return { sent: FUZZ_EACH, problems }
  }

  // -- floods --------------------------------------------------------------------------
  const flood = async (garbage: boolean): Promise<{ code: number, replies: number, rateLimited: number, errors: string[] }> => {
    const { c, root } = await page()
    for (let k = 0; k < FLOOD_EACH; k++) {
      c.raw(garbage ? `}${k}` : JSON.stringify({ t: 'event', ref: c.ref(), id: root.id, h: 'increment', p: {}, type: 'click' }))
    }
    const code = await bounded(c.closed, 15_000, -1)
    const replies = c.frames.filter((f) => f.t === 'reply').length - 1 // less the join
    const rateLimited = c.frames.filter((f) => f.code === 'rate_limited').length
    const errors = [...new Set(c.errors().map((f) => f.code!))]
    return { code, replies, rateLimited, errors }
  }

  /** Frames that ws itself refuses: a text frame that is not UTF-8. */
  const invalidUtf8 = async (): Promise<number> => {
    const c = await open()
    c.raw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false)
    return await c.closed
  }

  /** A frame far over the limit is not even read: ws closes the socket (1009) from the frame header. */
  const giant = async (): Promise<{ code: number, answers: number }> => {
    const c = await open()
    c.raw('x'.repeat(2 * 1024 * 1024))
    return { code: await bounded(c.closed, 15_000, -1), answers: c.answers }
  }

  /** The socket upgrade from a page of another site (cross-site WebSocket hijacking). */
  const crossSite = async (): Promise<string> => {
    try {
      await open({ origin: 'http://evil.example' })
      return 'opened'
    } catch (err) {
      return (err as Error).message
    }
  }

  const [goodResults, attackResults, fuzzResults, floodResults, utf8Close, crossSiteResults, giantResult] = await Promise.all([
    Promise.all(good.map(runGood)),
    Promise.all(Array.from({ length: ATTACKERS }, attack)),
    Promise.all(Array.from({ length: FUZZERS }, fuzz)),
    Promise.all([...Array.from({ length: FLOODERS }, () => flood(false)), flood(true)]),
    invalidUtf8(),
    Promise.all(Array.from({ length: 3 }, crossSite)),
    giant(),
  ])
  const replays = await Promise.all(goodRoots.map(replay))

  // -- the good sessions -----------------------------------------------------------------
  for (const [k, { c, root }] of good.entries()) {
    const { count, wrong } = goodResults[k]!
    t.same(wrong, [], `good session ${k}: every reply arrived, in order, one version per event`)
    t.same(c.errors(), [], `good session ${k}: no error frames`)
    t.equal(c.closeCode, undefined, `good session ${k}: still open`)
    const final = await c.call({ t: 'render', id: root.id })
    t.match(final, { t: 'reply', v: GOOD_EVENTS + 1, html: new RegExp(`<span id="count">${count}</span>`) }, `good session ${k}: the count is exactly the sum of its ${GOOD_EVENTS} events`)
    t.match(final.html, /<p id="filter"><\/p>/, `good session ${k}: no client state arrived from elsewhere`)
  }

  // -- replays mount their own instance ----------------------------------------------------
  for (const [k, { joined, last, after }] of replays.entries()) {
    t.match(joined, { t: 'reply', v: 1, html: /<span id="count">0<\/span>/ }, `replay ${k}: a fresh instance, not the good session's`)
    t.match(last, { t: 'reply', v: 6 }, `replay ${k}: its events were handled`)
    t.match(after, { t: 'reply', v: 6, html: /<span id="count">5<\/span>/ }, `replay ${k}: and counted on its own instance`)
  }
  for (const [k, { c, root }] of good.entries()) {
    const again = await c.call({ t: 'render', id: root.id })
    t.match(again.html, new RegExp(`<span id="count">${goodResults[k]!.count}</span>`), `good session ${k}: untouched by the replay`)
  }

  // -- refusals ------------------------------------------------------------------------------
  t.same(Object.fromEntries(wrongByKind), {}, 'every designed refusal was answered with its code')
  const changedVictims = attackResults.map((a) => a.victimAfter).filter((after) =>
    after.t !== 'reply' || after.v !== 1 || !/<span id="count">0<\/span>/.test(after.html ?? '') || !/<p id="filter"><\/p>/.test(after.html ?? ''))
  t.same(changedVictims, [], `the ${ATTACKERS} victim views are as mounted: count 0, no filter, version 1`)
  t.same(fuzzResults.flatMap((f) => f.problems), [], 'every fuzz frame got exactly one answer, a refusal (or the ack of a harmless leave)')
  t.equal(runs.reset, 0, 'the forbidden handler never ran')
  const goodAdds = GOOD_SESSIONS * Array.from({ length: GOOD_EVENTS }, (_, j) => j).filter((j) => j % 3 === 2).length
  t.equal(runs.add, goodAdds, 'add ran only for the good sessions')
  t.equal(({} as any).polluted, undefined, 'no prototype pollution')
  t.equal((Object.prototype as any).count, undefined, 'no prototype pollution')

  // -- floods ---------------------------------------------------------------------------------
  const { burst, perSecond } = { burst: 200, perSecond: 100 }
  const elapsed = (Date.now() - started) / 1000
  for (const [k, f] of floodResults.entries()) {
    t.equal(f.code, 1008, `flooder ${k} was closed as a policy violation`)
    t.ok(f.rateLimited >= 1, `flooder ${k} was told rate_limited first`)
    t.ok(f.replies < burst + perSecond * elapsed, `flooder ${k}: at most the bucket's worth was handled (${f.replies})`)
  }
  t.same(floodResults.at(-1)!.errors.sort(), ['bad_message', 'rate_limited'], 'the garbage flood got bad_message, then rate_limited')
  const goodIncrements = GOOD_SESSIONS * (GOOD_EVENTS - goodAdds / GOOD_SESSIONS)
  const floodHandled = runs.increment - goodIncrements - 5 * replays.length
  const floodReplied = floodResults.slice(0, FLOODERS).reduce((n, f) => n + f.replies, 0)
  t.ok(floodHandled >= floodReplied && floodHandled <= FLOODERS * (burst + perSecond * elapsed), `flood events handled: ${floodHandled} (replied ${floodReplied}) of ${FLOODERS * FLOOD_EACH} sent`)
  t.same(giantResult, { code: 1009, answers: 0 }, 'a 2 MiB frame closes the socket unread (ws maxPayload: 16 × maxMessageBytes)')
  t.equal(utf8Close, 1007, 'a text frame that is not UTF-8 closes the socket (ws: 1007)')
  t.same(crossSiteResults, Array(3).fill('Unexpected server response: 403'), 'a socket from another origin is refused at the upgrade')

  // -- the server is up, and everything ends -----------------------------------------------
  const fresh = await page()
  t.match(await fresh.c.call({ t: 'event', id: fresh.root.id, h: 'increment', p: {}, type: 'click' }), { t: 'reply', v: 2 }, 'a new page works after the attack')
  t.match(await fresh.c.call({ t: 'render', id: fresh.root.id }), { t: 'reply', html: /<span id="count">1<\/span>/ })
  for (const c of clients) c.ws.close()
  await Promise.all(clients.map((c) => c.closed))
  await until(() => { const s = liveStats(app); return s.views === 0 && s.sockets === 0 && s.tasks === 0 }, 'liveStats to return to zero', 5000)
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 }, 'no view, task or socket outlives its socket')
  t.same(crashes, [], 'no unhandled rejection')
  t.same(clients.flatMap((c) => c.duplicates), [], 'no frame was answered twice')
  const seconds = (Date.now() - started) / 1000
  // a figure, not a claim: how long a machine takes is no property of the server (tap's timeout bounds it)
  t.comment(`the attack and its checks took ${seconds.toFixed(1)} s`)

  // -- the counts ----------------------------------------------------------------------------
  const codes = new Map<string, number>()
  for (const c of clients) for (const f of c.errors()) codes.set(f.code!, (codes.get(f.code!) ?? 0) + 1)
  const closes = new Map<string, number>()
  for (const c of clients) if (c.closeCode !== 1005 && c.closeCode !== undefined) closes.set(String(c.closeCode), (closes.get(String(c.closeCode)) ?? 0) + 1)
  const fuzzSent = fuzzResults.reduce((n, f) => n + f.sent, 0)
  const goodSent = GOOD_SESSIONS * (GOOD_EVENTS + 3)
  const rows: Array<[string, string | number, string]> = [
    ...KINDS.map((k): [string, number, string] => [k.name, sentByKind.get(k.name)!, k.expect]),
    ['fuzz (random frames)', fuzzSent, [...fuzzCodes].map(([code, n]) => `${code} ${n}`).join(', ')],
    ['flood of valid events', FLOODERS * FLOOD_EACH, `rate_limited, close 1008; ${floodHandled} handled, ${floodReplied} replied before the close`],
    ['flood of invalid JSON', FLOOD_EACH, 'bad_message, rate_limited, close 1008'],
    ['text frame not UTF-8', 1, 'close 1007'],
    ['frame of 2 MiB', 1, 'close 1009'],
    ['cross-site upgrade', 3, 'HTTP 403'],
    ['replayed good tokens (join, 5 events, render)', replays.length * 7, 'reply (own instance)'],
    ['good sessions (join, events, renders)', goodSent, 'reply'],
    ['attack sockets: victim joins and renders', ATTACKERS * 2, 'reply'],
    ['flood sockets: joins', FLOODERS + 1, 'reply'],
  ]
  const width = Math.max(...rows.map((row) => row[0].length))
  const lines = [
    `${'frames sent, by kind'.padEnd(width)}  ${'sent'.padStart(6)}  answer`,
    ...rows.map(([name, n, answer]) => `${name.padEnd(width)}  ${String(n).padStart(6)}  ${answer}`),
    `${'total'.padEnd(width)}  ${String(rows.reduce((n, row) => n + Number(row[1]), 0)).padStart(6)}`,
    '',
    `error codes received: ${[...codes].sort().map(([code, n]) => `${code} ${n}`).join(', ')}`,
    `closes by the server: ${[...closes].map(([code, n]) => `${code} ×${n}`).join(', ')}`,
    `time: ${seconds.toFixed(1)} s`,
  ]
  t.comment(lines.join('\n'))
})

// ---- the figures ---------------------------------------------------------------------
// What hostile clients make the server keep or do, with the defaults a user
// deploys with: printed (t.comment), and asserted only where the bound is in
// bytes or counts. bench/hardening.mjs measures the same over 60 s windows,
// its server alone in a process; here the windows are short (5 s of
// readers, then 5 s of non-readers; 2 s per latency case, 3 s with replaced
// pages: the first closes come at ~2.5 s), to keep the suite fast, and the
// clients share the server's process, so the latencies are only indicative.
// The bench, its good client apart, 15 s per case, three runs on 2026-12-03
// (load average 10.1 to 3.4): idle p50 0.80-0.96 ms, p99 31.7 / 8.5 / 4.6 ms;
// (a) 5 sockets flooding renders of a 173 KB page on their own sockets: p99
// 0.40× / 0.85× / 2.6× idle; (b) the same at the rate limit: 0.18× / 0.54× /
// 1.15×; (c) flooding, each closed socket replaced by a new page: 1.1× /
// 2.3× / 8.4× (HTTP requests, which are the app's to limit).
// docs/security.md has the rest.

class StuckView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  /** Never settles. */
  @eventHandler() async hang () { await new Promise<void>(() => {}) }
  @eventHandler() increment () { this.count++ }
}

let cached: LiveView | undefined
class CacheView extends LiveView {
  static override template = 'cache-memory-item.njk'
  n = 0
  rows: unknown[] = []
  shown = ''
  override mount () { cached = this }
  /** 20 KB of result per key. */
  @cache({ keyParams: ['k'] }) @eventHandler({ params: { k: { type: 'integer' } } })
  show ({ k }: { k: number }) { this.shown = String(k % 10).repeat(20_000) }
}

const MiB = 1_048_576
const mb = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`

t.test('figures: what hostile clients make the server keep, and a good client\'s latency while others flood renders', async (t) => {
  const { app, base } = await serveLogged(t, [['/big', BigView], ['/counter', CounterView], ['/stuck', StuckView], ['/cache', CacheView]], {})

  // The queue a never-settling handler holds: frames of 60 KB sent behind it.
  const stuck = await open(app, base, '/stuck')
  const id = stuck.page.roots[0]!.id
  const frame = (ref: number): string => JSON.stringify({ t: 'event', ref, id, h: 'increment', p: { pad: 'x'.repeat(60_000) }, type: 'click' })
  const sent = 150
  stuck.socket.send(JSON.stringify({ t: 'event', ref: 100, id, h: 'hang', p: {}, type: 'click' }))
  for (let ref = 101; ref <= 100 + sent; ref++) stuck.socket.send(frame(ref))
  // Frames are handled in order: once this one is answered, every one before it is queued or refused.
  await stuck.page.send({ t: 'event', id: 'lv-nosuchview', h: 'x', p: {}, type: 'click' })
  const refused = stuck.page.frames.filter((f) => f.code === 'busy').length
  const held = sent - refused
  t.ok(held * frame(101).length <= MiB, `a never-settling handler holds ${held} frames of 60 KB (${mb(held * frame(101).length)}): within queueLimit (64 frames, 1 MiB); ${refused} refused busy`)
  stuck.page.close()

  // Snapshot memory per socket: 100 cached results of 20 KB.
  const page = (await open(app, base, '/cache')).page
  const budget = ((cached as any)[kRuntime] as Session).out!.snapshotBudget
  let peak = 0
  for (let k = 0; k < 100; k++) {
    await page.event('show', { k })
    peak = Math.max(peak, budget.used)
  }
  t.ok(peak <= MiB, `snapshot memory of one socket: at most ${mb(peak)} kept for 100 cached results of 20 KB (${mb(100 * 20_000)}): within maxCacheBytes (1 MiB)`)
  page.close()

  // Memory under 20 sockets asking for renders of the 223 KB view at the rate limit, reading, then not reading.
  const sockets = 20
  const memory = await memoryUnderNonReaders(app, base, '/big', sockets, 5)
  // A render's frame is smaller than the whole page's HTML in JSON.
  const renderBytes = Buffer.byteLength(JSON.stringify((await app.inject('/big')).body))
  // The write that passes the total, then each socket not yet behind (under Node's 16 KiB write buffer) may take one more render.
  const bound = 4 * MiB + renderBytes + sockets * (16 * 1024 + renderBytes)
  t.ok(memory.mostUnsent <= bound, `${sockets} non-reading sockets held at most ${mb(memory.mostUnsent)} unsent: within maxTotalBufferedBytes (4 MiB) and 16 KiB and one render (${(renderBytes / 1024).toFixed(0)} KiB) each (${mb(bound)}), not ${sockets} × maxBufferedBytes (${mb(sockets * 2 * MiB)})`)
  const vs = (a: number, b: number): string => `${a >= b ? '+' : ''}${((a - b) / 1e6).toFixed(1)} MB`
  // This process is the server and its clients: what the readers receive grows its heap too. The server's own figure is bench/hardening.mjs's.
  t.comment(`RSS of this process (server and clients) under ${sockets} sockets asking for renders of a 223 KB view at the rate limit, ${memory.seconds} s each (a short window: bench/hardening.mjs runs 60 s, server alone): ` +
    `idle ${(memory.idle / 1e6).toFixed(1)} MB; readers ${vs(memory.readers, memory.idle)} over idle; non-readers ${vs(memory.nonReaders, memory.idle)} over idle, ${vs(memory.nonReaders, memory.readers)} against readers; at most ${mb(memory.mostUnsent)} unsent`)

  // A good client's latency while 5 sockets ask for renders of the 223 KB view (their clients in this process too: bench/hardening.mjs runs them apart).
  const f = await latencyUnderRenderFloods(app, base, '/big', '/counter', 2, 3)
  const line = (what: string, x: { events: number, seconds: number, p50: number, p99: number }): string =>
    `${what}: p50 ${x.p50.toFixed(1)} ms, p99 ${x.p99.toFixed(1)} ms (${(x.p99 / f.idle.p99).toFixed(1)}× idle), ${x.events} events in ${x.seconds.toFixed(1)} s`
  t.comment([
    'a good client (an event every 20 ms) while 5 sockets ask for renders of a 223 KB view (times on this machine, not asserted):',
    line('idle', f.idle),
    line('(a) 90 renders/s each on their open sockets, until the rate limit closes them', f.onOpen),
    line('(b) 10 renders/s each, the rate limit', f.atLimit),
    line(`(c) 90 renders/s each, each closed socket replaced by a new page (${f.replaced.pages} pages: a GET that renders the view, a join)`, f.replaced),
  ].join('\n'))
})
