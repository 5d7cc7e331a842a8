import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { WebSocket } from 'ws'
import live, { LiveView, eventHandler, type LiveOptions, type LiveViewClass } from '../../lib/index.js'
import { LivePage, parseRoots } from '../../lib/testing.js'
import { FIXTURES, SECRET } from './app.js'
import { listen, realSocket } from './live.js'

// What a hostile client can make the server keep or do, on real sockets:
// the views, sockets and measurements the stress tests of issue 17 share
// (test/stress/clients-that-stop-reading-or-flood-renders-stay-bounded.test.ts
// asserts the bounds; test/stress/bad-input-never-hurts-good-sessions.test.ts
// prints the figures). Times are measured and printed, never asserted.

/** ~223 KB of HTML (a render frame of ~296 KiB: the rows' `·` are two bytes each in UTF-8). */
const ROWS = Array.from({ length: 1000 }, (_, k) => ({ id: k, name: `product ${k} ${'·'.repeat(60)}`, price: k % 97, checked: k % 3 === 0 }))
export class BigView extends LiveView {
  static override template = 'rows.njk'
  rows = ROWS
}

export class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

export interface Logged { level: number, msg: string }

/** An app on 127.0.0.1 whose warnings the test reads. */
export async function serve (t: Test, routes: Array<[string, LiveViewClass]>, options: LiveOptions): Promise<{ app: FastifyInstance, base: string, logs: Logged[] }> {
  const logs: Logged[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET, ...options })
  for (const [path, View] of routes) app.live(path, View)
  await app.ready()
  return { app, base: await listen(app), logs }
}

/** GET the page, open a real socket, join. `serverSide` is the server's end of that socket. */
export async function open (app: FastifyInstance, base: string, url: string): Promise<{ page: LivePage, socket: WebSocket, serverSide: WebSocket }> {
  const before = new Set(app.websocketServer.clients)
  const body = (await app.inject(url)).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  const [joined] = await page.join()
  if (joined?.t !== 'reply') throw new Error(`join refused: ${JSON.stringify(joined)}`)
  const serverSide = [...app.websocketServer.clients].find((c) => !before.has(c))!
  return { page, socket, serverSide }
}

/** `promise`, or `fallback` once `ms` pass: a bound on a wait that must end. */
export async function bounded<T> (promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout
  const late = new Promise<T>((resolve) => { timer = setTimeout(() => resolve(fallback), ms) })
  return await Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Bytes the server's sockets hold unsent (ws `bufferedAmount`: what Node has not handed to the kernel). */
export function unsentBytes (app: FastifyInstance): number {
  let bytes = 0
  for (const ws of app.websocketServer.clients) bytes += ws.bufferedAmount
  return bytes
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** This process's RSS after a full collection: what is held, not garbage yet to collect. */
export function rssAfterGc (): number {
  gc()
  return process.memoryUsage().rss
}

/**
 * A page of `url` joined over a raw socket that keeps no frame: a load
 * generator, not a page under test (a LivePage would keep every render it got).
 */
async function rawPage (app: FastifyInstance, base: string, url: string): Promise<{ socket: WebSocket, id: string }> {
  const [root] = parseRoots((await app.inject(url)).body)
  // In this process, beside the server: the frames it receives are not checked for UTF-8 (the server's time is what is measured).
  const socket = await realSocket(base, {}, { skipUTF8Validation: true })
  const reply = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))))
  socket.send(JSON.stringify({ t: 'join', ref: 1, id: root!.id, token: root!.token }))
  if (!(await reply).startsWith('{"t":"reply"')) throw new Error(`join refused: ${await reply}`)
  return { socket, id: root!.id }
}

/**
 * `count` raw pages of `url` asking for `perTick` renders every 100 ms,
 * until stopped. With `replace`, a socket the server closes is replaced by a
 * new page (a GET that renders it, a socket, a join), as a flooder would.
 */
function renderAskers (app: FastifyInstance, base: string, url: string, count: number, perTick: number, options: { read: boolean, replace: boolean }): { started: Promise<void>, closed: Promise<void>, stop: () => void, replaced: () => number } {
  let running = true
  let replaced = 0
  const sockets = new Set<WebSocket>()
  const timers = new Set<NodeJS.Timeout>()
  let gone = 0
  let allGone: () => void
  const closed = new Promise<void>((resolve) => { allGone = resolve })
  const one = async (): Promise<void> => {
    const { socket, id } = await rawPage(app, base, url)
    // A replacement that connected after stop(): nothing more to ask for.
    if (!running) return void socket.terminate()
    if (!options.read) socket.pause()
    sockets.add(socket)
    let ref = 10
    const timer = setInterval(() => {
      for (let k = 0; k < perTick && socket.readyState === 1; k++) socket.send(JSON.stringify({ t: 'render', ref: ref++, id }))
    }, 100)
    timers.add(timer)
    socket.once('close', () => {
      clearInterval(timer)
      sockets.delete(socket)
      if (running && options.replace) {
        replaced++
        // One still connecting when the flood stops (and the app closes after it) may find the server gone: that is not a failure.
        one().catch((err: unknown) => { if (running) throw err })
      } else if (++gone === count) allGone()
    })
  }
  return {
    started: Promise.all(Array.from({ length: count }, one)).then(() => {}),
    closed,
    stop: () => {
      running = false
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.terminate()
    },
    replaced: () => replaced,
  }
}

export interface MemoryFigure {
  sockets: number
  /** Each window: the readers', then the non-readers' (long enough for the kernel's buffers to fill: ~3 s here). */
  seconds: number
  /** RSS after a collection: before, at the end of the readers' window, at the end of the non-readers'. */
  idle: number
  readers: number
  nonReaders: number
  /** The most the server's sockets held unsent while the non-readers ran (sampled every 100 ms). */
  mostUnsent: number
}

/**
 * The server's memory while `sockets` pages of `url` ask for renders at the
 * rate limit (one a tick: 10 a second), for `seconds` each: first pages
 * that read what they get (what V8's heap grows to under that work is not
 * memory held for anybody), then pages that do not read.
 */
export async function memoryUnderNonReaders (app: FastifyInstance, base: string, url: string, sockets: number, seconds: number): Promise<MemoryFigure> {
  const idle = rssAfterGc()
  const run = async (read: boolean): Promise<{ rss: number, mostUnsent: number }> => {
    const askers = renderAskers(app, base, url, sockets, 1, { read, replace: true })
    await askers.started
    let mostUnsent = 0
    const sampler = setInterval(() => { mostUnsent = Math.max(mostUnsent, unsentBytes(app)) }, 100)
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000)) // the window measured: nothing to await but time
    clearInterval(sampler)
    const rss = rssAfterGc()
    askers.stop()
    return { rss, mostUnsent }
  }
  const readers = await run(true)
  const nonReaders = await run(false)
  return { sockets, seconds, idle, readers: readers.rss, nonReaders: nonReaders.rss, mostUnsent: nonReaders.mostUnsent }
}

export interface Spread { events: number, seconds: number, p50: number, p99: number }

/**
 * A good client's round trips on `page`: an increment every 20 ms (50 a
 * second, within the rate limit), each answered before the next, until
 * `over()` holds.
 */
async function roundTrips (page: LivePage, over: () => boolean): Promise<Spread> {
  const times: number[] = []
  const started = performance.now()
  while (!over()) {
    const sent = performance.now()
    const reply = await page.event('increment')
    if (reply.t !== 'reply') throw new Error(`the good client was refused: ${JSON.stringify(reply)}`)
    times.push(performance.now() - sent)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 20 - (performance.now() - sent)))) // pacing, not waiting for an event
  }
  times.sort((a, b) => a - b)
  return { events: times.length, seconds: (performance.now() - started) / 1000, p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]! }
}

export interface FloodFigure {
  idle: Spread
  /** (a) 5 sockets asking for 90 renders a second each, on the sockets they opened, until the rate limit closes them. */
  onOpen: Spread
  /** (b) 5 sockets asking for renders at exactly the rate limit (10 a second each). */
  atLimit: Spread
  /** (c) as (a), each socket replaced by a new page (a GET that renders it, a join) when closed. */
  replaced: Spread & { pages: number }
}

/**
 * A good client's latency on `good` (a counter) alone and while 5 sockets
 * ask for renders of the large view at `big`, for `seconds` each ((a) ends
 * when its 5 sockets are closed; (c) lasts `replacedSeconds`, long enough
 * for the rate limit to close some: about 2.5 s).
 */
export async function latencyUnderRenderFloods (app: FastifyInstance, base: string, big: string, good: string, seconds: number, replacedSeconds: number): Promise<FloodFigure> {
  const { page } = await open(app, base, good)
  const window = (s = seconds): () => boolean => {
    const until = performance.now() + s * 1000
    return () => performance.now() > until
  }
  try {
    const idle = await roundTrips(page, window())
    const flood = async (perTick: number, replace: boolean, untilClosed = false, s = seconds): Promise<Spread & { pages: number }> => {
      const askers = renderAskers(app, base, big, 5, perTick, { read: true, replace })
      await askers.started
      let closed = false
      void askers.closed.then(() => { closed = true })
      // (a) lasts until the rate limit has closed the 5 (a few seconds), within a bound.
      const late = untilClosed ? () => performance.now() > started + 20_000 : window(s)
      const started = performance.now()
      const spread = await roundTrips(page, untilClosed ? () => closed || late() : late)
      askers.stop()
      return { ...spread, pages: askers.replaced() }
    }
    const onOpen = await flood(9, false, true)
    const atLimit = await flood(1, false)
    const replaced = await flood(9, true, false, replacedSeconds)
    return { idle, onOpen, atLimit, replaced }
  } finally {
    page.close()
  }
}
