// The storm's client (its own process, started by bench/storm.mjs): `--count`
// sessions of the counter view, each as a browser page would be: the page GET
// from A, a socket to A, the join, then 1–5 `inc` events (session i sends
// i % 5 + 1), so each view's state differs from the default and from its
// neighbours'. Then it waits. When A closes a socket (1012, after parking
// its view), the session reconnects the way browser/socket.ts does (after
// the backoff delay with jitter, doubling on each failed attempt) but to B,
// as a load balancer would route it once A is gone, and joins again with
// the same root id and token. The join's answer is a resume (full html, no
// `fresh`), a fresh mount (`"fresh":true`: the state was lost) or an error;
// a resume whose count is not the session's is counted as lost state too.
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { getPage, wsUrl, backoffMs, countIn, now } from './common.mjs'

const { values: args } = parseArgs({
  options: { a: { type: 'string' }, b: { type: 'string' }, count: { type: 'string' }, batch: { type: 'string', default: '50' } },
})
const N = Number(args.count)
const BATCH = Number(args.batch)
const TIMEOUT_MS = 30000

const result = { resumed: 0, fresh: 0, wrongState: 0, errors: 0, closesOnA: {}, attempts: 0, firstClose: null, lastResume: null, resumeTimes: [] }
let finished = 0
let closing = false
const sockets = new Set()

function track (ws) {
  sockets.add(ws)
  ws.once('close', () => sockets.delete(ws))
  return ws
}

function send (ws, frame) { ws.send(JSON.stringify(frame)) }

// One page: GET on A, join on A, `events` incs answered; resolves once joined.
async function open (index) {
  const page = await getPage(args.a)
  const events = (index % 5) + 1
  const ws = track(new WebSocket(wsUrl(args.a, page.path)))
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`session ${index}: not joined within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)
    let ref = 1
    ws.on('error', reject)
    ws.on('open', () => send(ws, { t: 'join', ref, id: page.id, token: page.token }))
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString())
      if (f.t === 'patch') return
      if (f.t !== 'reply' || f.ref !== ref) return reject(new Error(`session ${index}: unexpected frame ${data.toString().slice(0, 200)}`))
      if (ref > events) {
        clearTimeout(timer)
        ws.removeAllListeners('message')
        ws.removeAllListeners('error')
        return resolve()
      }
      send(ws, { t: 'event', ref: ++ref, id: page.id, h: 'inc', p: {}, type: 'click' })
    })
  })
  ws.on('error', () => {})
  // The browser's socket: a close starts the reconnect (tries was reset by the successful join).
  ws.once('close', (code) => {
    if (closing) return
    result.closesOnA[code] = (result.closesOnA[code] ?? 0) + 1
    if (result.firstClose === null) result.firstClose = now()
    reconnect(index, page, events, 0)
  })
}

// After the browser's delay, a socket to B and the rejoin; a failed attempt
// (socket error, refused or unanswered join) is an error, and the next
// attempt waits the doubled delay, as the browser's does.
function reconnect (index, page, expected, tries) {
  setTimeout(() => {
    result.attempts++
    const ws = track(new WebSocket(wsUrl(args.b, page.path)))
    let done = false
    const fail = () => {
      if (done) return
      done = true
      result.errors++
      ws.terminate()
      reconnect(index, page, expected, tries + 1)
    }
    const timer = setTimeout(fail, TIMEOUT_MS)
    ws.on('error', fail)
    ws.on('close', () => { if (!done && !closing) fail() })
    ws.on('open', () => send(ws, { t: 'join', ref: 1, id: page.id, token: page.token }))
    ws.on('message', (data) => {
      if (done) return
      const f = JSON.parse(data.toString())
      if (f.t === 'patch') return
      if (f.t !== 'reply' || f.ref !== 1) return fail()
      done = true
      clearTimeout(timer)
      const t = now()
      if (f.fresh === true) result.fresh++
      else if (countIn(f.html ?? '') !== expected) result.wrongState++
      else {
        result.resumed++
        result.resumeTimes.push(String(t))
        if (result.lastResume === null || t > result.lastResume) result.lastResume = t
      }
      if (++finished === N) report()
    })
  }, backoffMs(tries))
}

function report () {
  process.send({ type: 'storm', ...result, firstClose: String(result.firstClose), lastResume: result.lastResume === null ? null : String(result.lastResume) })
}

process.on('message', (msg) => {
  if (msg?.cmd !== 'stop') return
  closing = true
  for (const ws of sockets) ws.terminate()
  process.send({ type: 'stopped' })
  process.disconnect()
})
process.on('disconnect', () => process.exit(0))

const t0 = Date.now()
for (let i = 0; i < N; i += BATCH) {
  const batch = []
  for (let j = i; j < Math.min(N, i + BATCH); j++) batch.push(open(j))
  await Promise.all(batch)
}
process.send({ type: 'connected', n: N, ms: Date.now() - t0 })
