// A fan-out load client (its own process, started by bench/fanout.mjs):
// opens `--count` sessions of one view on one server the way a browser does
// (page GET, socket, join), then only listens. Every broadcast sends each
// session one frame; when all of this process's sessions have their frame
// for a round, it reports the monotonic time of the last one
// (`{ type: 'got', round, t }`), which the runner compares with the time
// the server read just before publishing (common.mjs).
import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { enforceLoopback } from '../loopback.mjs'
import { getPage, wsUrl, OPEN_TIMEOUT_MS } from '../drivers/_shared.mjs'

enforceLoopback()

const { values: args } = parseArgs({
  options: {
    kind: { type: 'string' }, // raw | liveviewjs | fastify-live
    view: { type: 'string' },
    origin: { type: 'string' },
    count: { type: 'string' },
    batch: { type: 'string', default: '50' },
  },
})
const N = Number(args.count)
const BATCH = Number(args.batch)

const unescapeAttr = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
const attrOf = (tag, name) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag)
  return m ? unescapeAttr(m[1]) : undefined
}

// Per kind: where the socket goes, the frame that joins (if any), how the
// join's answer and a broadcast frame look (tested on their first bytes).
const kinds = {
  async raw (origin, view) {
    return { url: wsUrl(origin, `/ws/${view}`), join: null, joined: (s) => s === 'hello', push: () => true }
  },
  async 'fastify-live' (origin, view) {
    const { body } = await getPage(`${origin}/${view}`)
    const root = /<[a-zA-Z][^>]*\sdata-live-root(?=[\s>=/])[^>]*>/.exec(body)
    const id = root && attrOf(root[0], 'id')
    const token = root && attrOf(root[0], 'data-live-token')
    if (!id || !token) throw new Error('fastify-live page has no live root with an id and data-live-token')
    const socketPath = attrOf(body, 'data-live-socket') ?? '/_live/socket'
    return {
      url: wsUrl(origin, socketPath),
      join: JSON.stringify({ t: 'join', ref: 1, id, token }),
      joined: (s) => s.startsWith('{"t":"reply","ref":1,'),
      push: (s) => s.startsWith('{"t":"patch",'),
    }
  },
  async liveviewjs (origin, view) {
    const url = `${origin}/${view}`
    const { body } = await getPage(url)
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(body)?.[1]
    const session = /data-phx-session="([^"]+)"/.exec(body)?.[1]
    const root = /id="(phx-[^"]+)"/.exec(body)?.[1]
    if (!csrf || !session || !root) throw new Error('LiveViewJS page lacks its csrf token, session or root')
    const topic = `lv:${root}`
    return {
      url: wsUrl(origin, `/live/websocket?_csrf_token=${encodeURIComponent(csrf)}&vsn=2.0.0`),
      join: JSON.stringify(['1', '1', topic, 'phx_join', { url, params: { _csrf_token: csrf, _mounts: 0 }, session, static: '' }]),
      joined: (s) => s.startsWith('["1","1",') && s.includes('"status":"ok"'),
      push: (s) => s.startsWith('[null,null,') && s.includes('"diff"'),
      // LiveViewJS shuts a view down after 60 s without one (Phoenix's client sends one every 30 s).
      heartbeat: '[null,"hb","phoenix","heartbeat",{}]',
    }
  },
}

let received = 0
let round = 0
let unexpected = 0
const sockets = []
const heartbeats = []

function onPush () {
  received++
  if (received === N) {
    const t = process.hrtime.bigint()
    received = 0
    process.send({ type: 'got', round: round++, t: String(t) })
  }
}

function open (index) {
  return kinds[args.kind](args.origin, args.view).then((k) => new Promise((resolve, reject) => {
    const ws = new WebSocket(k.url, { handshakeTimeout: OPEN_TIMEOUT_MS })
    let joined = false
    const timer = setTimeout(() => reject(new Error(`session ${index}: no join answer within ${OPEN_TIMEOUT_MS} ms`)), OPEN_TIMEOUT_MS)
    ws.on('error', (err) => { if (!joined) reject(err) })
    ws.on('close', (code) => {
      if (joined && !closing) {
        process.send({ type: 'closed', index, code })
      }
    })
    ws.on('open', () => { if (k.join !== null) ws.send(k.join) })
    ws.on('message', (data) => {
      // Only the frame's start is read: the client's cost is not what is measured.
      const s = data.toString('latin1', 0, Math.min(data.length, 200))
      if (joined) {
        if (k.push(s)) onPush()
        else if (!s.startsWith('[null,"hb",')) unexpected++
        return
      }
      if (!k.joined(s)) return reject(new Error(`session ${index}: unexpected join answer ${s}`))
      joined = true
      // Each socket on its own 25 s beat, so they spread over time instead of arriving in one burst.
      if (k.heartbeat) heartbeats.push(setInterval(() => ws.send(k.heartbeat), 25000).unref())
      clearTimeout(timer)
      resolve(ws)
    })
  }))
}

let closing = false
process.on('message', async (msg) => {
  if (msg?.cmd === 'stop') {
    closing = true
    for (const timer of heartbeats) clearInterval(timer)
    for (const ws of sockets) ws.terminate()
    process.send({ type: 'stopped', unexpected })
    process.disconnect()
  }
})
process.on('disconnect', () => process.exit(0))

const t0 = Date.now()
for (let i = 0; i < N; i += BATCH) {
  const batch = []
  for (let j = i; j < Math.min(N, i + BATCH); j++) batch.push(open(j))
  sockets.push(...await Promise.all(batch))
}
process.send({ type: 'connected', n: sockets.length, ms: Date.now() - t0 })
