// The load client: drives one peer server with C closed-loop sessions.
//
//   node bench/load.mjs --peer raw --view table --c 100 --origin http://127.0.0.1:PORT
//
// Each session does what a browser tab does before its first event (page GET,
// socket connect and join, via the peer's driver in bench/drivers/), then
// sends an event, waits for its reply and sends the next, until told to stop.
//
// Phases: prewarm (one session, closed again: gets the server's code hot
// before the heap baseline) -> connect the first half of the C sessions (in
// batches), each sends a few events -> the same for the second half ->
// warm-up -> measured window -> drain (no new events; in-flight ones
// finish) -> close. The runner weighs the server's heap after each half: the
// difference is what the second half's sessions cost.
// Spawned by bench/run.mjs with an IPC channel, the client reports each phase
// and waits for the runner's go-ahead (the runner samples the server between
// phases). Run by hand, it goes straight through and prints its result as JSON.
import { enforceLoopback } from './loopback.mjs'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { nextEvent, VIEW_NAMES } from './views/views.mjs'
import { EVENT_TIMEOUT_MS, OPEN_TIMEOUT_MS } from './drivers/_shared.mjs'

enforceLoopback()

const QUICK = process.env.BENCH_QUICK === '1'
const { values: args } = parseArgs({
  options: {
    peer: { type: 'string' },
    view: { type: 'string', default: 'table' },
    c: { type: 'string', default: '1' },
    origin: { type: 'string' },
    duration: { type: 'string', default: process.env.BENCH_DURATION_MS ?? (QUICK ? '2000' : '10000') },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP_MS ?? (QUICK ? '500' : '2000') },
    batch: { type: 'string', default: process.env.BENCH_RAMP_BATCH ?? '50' }
  }
})

const peer = args.peer
const view = args.view
const C = Number(args.c)
const DURATION_MS = Number(args.duration)
const WARMUP_MS = Number(args.warmup)
const BATCH = Math.max(1, Number(args.batch))
if (!peer || !args.origin) throw new Error('usage: load.mjs --peer NAME --view counter|table --c N --origin http://127.0.0.1:PORT')
if (!VIEW_NAMES.includes(view)) throw new Error(`unknown view ${view}`)
if (!(C >= 1)) throw new Error(`bad --c ${args.c}`)
const origin = args.origin.replace(/\/$/, '')
if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(origin)) throw new Error(`origin must be loopback: ${origin}`)

const driver = (await import(`./drivers/${peer}.mjs`)).default

// Whatever happens, this process ends: a ceiling on the whole run.
const ceilingMs = 60000 + Math.ceil(C / BATCH) * OPEN_TIMEOUT_MS + WARMUP_MS + DURATION_MS + 3 * EVENT_TIMEOUT_MS
setTimeout(() => {
  console.error(`load: still running after ${ceilingMs} ms, giving up`)
  process.exit(3)
}, ceilingMs).unref()

// --- talking to the runner ------------------------------------------------

const ipc = typeof process.send === 'function'
const inbox = []
let waiter = null
if (ipc) {
  process.on('message', (msg) => {
    if (waiter) {
      const w = waiter
      waiter = null
      w(msg)
    } else inbox.push(msg)
  })
  process.on('disconnect', () => process.exit(4))
}

// Reports a phase; with a runner, waits for its next command.
async function report (type, payload = {}, expect) {
  if (!ipc) return
  process.send({ type, ...payload })
  if (!expect) return
  const msg = inbox.length ? inbox.shift() : await new Promise((resolve) => { waiter = resolve })
  if (msg.cmd !== expect) throw new Error(`load: expected ${expect} from the runner, got ${JSON.stringify(msg)}`)
}

// --- measurement ----------------------------------------------------------

let samples = new Float64Array(1 << 16)
let count = 0
let bytes = 0
let measuring = false
let stop = false
let errors = 0
const errorSamples = []

function noteError (err) {
  errors += 1
  if (errorSamples.length < 5) errorSamples.push(String(err && err.message ? err.message : err))
}

function record (ms, replyBytes) {
  if (count === samples.length) {
    const bigger = new Float64Array(samples.length * 2)
    bigger.set(samples)
    samples = bigger
  }
  samples[count++] = ms
  bytes += replyBytes
}

function percentile (sorted, q) {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

// --- sessions -------------------------------------------------------------

async function openSession (index) {
  const t0 = performance.now()
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`session open took over ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS)
  })
  try {
    const session = await Promise.race([driver.open({ origin, view, index }), timeout])
    return { index, session, openMs: performance.now() - t0, dead: false }
  } finally {
    clearTimeout(timer)
  }
}

// A closed loop: the next event goes out when the previous reply is in.
// Throughput and latency count completions inside the window, whenever the
// event started: that is what the server did in the window.
async function loop (s) {
  let n = 0
  while (!stop && !s.dead) {
    const ev = nextEvent(view, s.index, n++)
    const t0 = performance.now()
    try {
      const replyBytes = await s.session.event(ev)
      if (measuring) record(performance.now() - t0, replyBytes)
    } catch (err) {
      noteError(err)
      s.dead = true // a failed session stops; its socket may be in any state
    }
  }
}

async function closeAll (list) {
  for (let i = 0; i < list.length; i += BATCH) {
    await Promise.allSettled(list.slice(i, i + BATCH).map((s) => s.session.close()))
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function withTimeout (promise, ms) {
  let timer
  return Promise.race([promise, new Promise((resolve) => { timer = setTimeout(resolve, ms) })]).finally(() => clearTimeout(timer))
}

// --- the run --------------------------------------------------------------

// Prewarm: one session, a bounded burst of events, then closed.
{
  const s = await openSession(C + 1)
  const until = performance.now() + Math.min(1000, WARMUP_MS + 200)
  for (let n = 0; n < 300 && performance.now() < until; n++) await s.session.event(nextEvent(view, s.index, n))
  await s.session.close()
}
await report('prewarmed', {}, 'connect')

const rampStart = performance.now()
const sessions = []
const openMs = []
const SETTLE_EVENTS = 10
// Opens sessions [from, to) and has each send SETTLE_EVENTS events, so their
// state is what it is in use (not just joined) when the heap is weighed.
async function connect (from, to) {
  const opened = []
  for (let i = from; i < to; i += BATCH) {
    const batch = []
    for (let j = i; j < Math.min(to, i + BATCH); j++) batch.push(openSession(j))
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') {
        opened.push(r.value)
        openMs.push(r.value.openMs)
      } else noteError(r.reason)
    }
  }
  await Promise.allSettled(opened.map(async (s) => {
    try {
      for (let n = 0; n < SETTLE_EVENTS; n++) await s.session.event(nextEvent(view, s.index, n))
    } catch (err) {
      noteError(err)
      s.dead = true
    }
  }))
  sessions.push(...opened)
  return opened.length
}
const half = Math.floor(C / 2)
const firstHalf = await connect(0, half)
await report('half-connected', { sessions: firstHalf }, 'connect-rest')
const secondHalf = await connect(half, C)
const rampMs = performance.now() - rampStart
openMs.sort((a, b) => a - b)
const connectErrors = errors
await report('connected', { sessions: sessions.length, failed: C - sessions.length, secondHalf, rampMs }, 'go')

if (sessions.length === 0) throw new Error(`load: no session could open (${errorSamples.join('; ')})`)

const loops = sessions.map(loop)
await sleep(WARMUP_MS)
measuring = true
const windowStart = performance.now()
await report('window-start')
await sleep(DURATION_MS)
measuring = false
const windowMs = performance.now() - windowStart
await report('window-end', { events: count })

stop = true
await withTimeout(Promise.allSettled(loops), EVENT_TIMEOUT_MS + 1000)
await report('idle', {}, 'finish')

await withTimeout(closeAll(sessions), 10000)

const sorted = samples.subarray(0, count).sort()
let sum = 0
for (let i = 0; i < count; i++) sum += sorted[i]
const round = (x, d = 3) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d)
const result = {
  peer,
  view,
  c: C,
  sessions: sessions.length,
  failedOpens: C - sessions.length,
  rampMs: round(rampMs, 1),
  openMs: { p50: round(percentile(openMs, 0.5)), p99: round(percentile(openMs, 0.99)) },
  windowMs: round(windowMs, 1),
  events: count,
  eventsPerSec: round(count / (windowMs / 1000), 1),
  latencyMs: {
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    mean: round(count ? sum / count : null),
    max: round(count ? sorted[count - 1] : null)
  },
  replyBytesMean: count ? round(bytes / count, 1) : null,
  errors,
  connectErrors,
  errorSamples
}

if (ipc) process.send({ type: 'result', result }, () => process.exit(0))
else {
  process.stdout.write(JSON.stringify(result, null, 2) + '\n')
  process.exit(0)
}
