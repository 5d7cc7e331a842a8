// The well-behaved session (its own process, started by bench/storm.mjs):
// one counter page on B, an `inc` every ~20 ms (the next one 20 ms after the
// last was sent, or at its reply if that came later), each timed from send
// to reply. Samples carry the monotonic send time, so the runner can split
// them into idle (before A closes) and storm (A's close to the last resume).
import WebSocket from 'ws'
import { getPage, wsUrl, now } from './common.mjs'

const origin = process.argv[2]
const PERIOD_MS = 20
const samples = [] // [sentAtNs (string), ms]
let stopped = false

const page = await getPage(origin)
const ws = new WebSocket(wsUrl(origin, page.path))
let ref = 1
let sentAt = 0n
let tick = null
ws.on('open', () => ws.send(JSON.stringify({ t: 'join', ref, id: page.id, token: page.token })))
ws.on('close', (code) => { if (!stopped) process.send({ type: 'probe-closed', code }) })
ws.on('message', (data) => {
  const f = JSON.parse(data.toString())
  if (f.t === 'patch') return
  if (f.t !== 'reply' || f.ref !== ref) {
    process.send({ type: 'probe-error', frame: data.toString().slice(0, 300) })
    return
  }
  if (ref === 1) process.send({ type: 'ready' })
  else samples.push([String(sentAt), Number(now() - sentAt) / 1e6])
  if (tick === null) next()
})

function next () {
  if (stopped) return
  const wait = sentAt === 0n ? 0 : Math.max(0, PERIOD_MS - Number(now() - sentAt) / 1e6)
  tick = setTimeout(() => {
    tick = null
    sentAt = now()
    ws.send(JSON.stringify({ t: 'event', ref: ++ref, id: page.id, h: 'inc', p: {}, type: 'click' }))
  }, wait)
}

process.on('message', (msg) => {
  if (msg?.cmd !== 'stop') return
  stopped = true
  clearTimeout(tick)
  ws.terminate()
  process.send({ type: 'samples', samples })
  process.disconnect()
})
process.on('disconnect', () => process.exit(0))
