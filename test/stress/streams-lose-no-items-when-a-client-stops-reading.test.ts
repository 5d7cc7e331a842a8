import { setImmediate as turn } from 'node:timers/promises'
import Fastify from 'fastify'
import t from 'tap'
import live, { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { FIXTURES, SECRET } from '../helpers/app.js'
import { listen, realSocket, until } from '../helpers/live.js'

// A stream's items are rendered once and forgotten (docs/streams.md). When
// the socket is backed up, renders are held back and the page later gets one
// full render: that render must still carry every item the held-back
// renders took, or the page would never see them.

let feeding = false
let streamed = 0
const BODY = 'y'.repeat(2000)

class TicksView extends LiveView {
  static override template = 'stream-ticks.njk'
  static override streams = { ticks: {} }
  tick = 0

  @eventHandler()
  start () {
    feeding = true
    this.startAsync('feed', async (signal) => {
      while (feeding && !signal.aborted) {
        this.tick++
        this.streamInsert('ticks', { id: this.tick, body: `${this.tick} ${BODY}` })
        streamed = this.tick
        await this.push()
        await turn()
      }
    })
  }
}

t.test('a client that stops reading while a task streams: the full render it gets when it reads again has every item it was not sent', async (t) => {
  const maxBufferedBytes = 64 * 1024
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET, maxBufferedBytes, drainTimeout: 120_000 })
  app.live('/ticks', TicksView)
  await app.ready()
  const base = await listen(app)
  const before = new Set(app.websocketServer.clients)
  const body = (await app.inject('/ticks')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  t.teardown(() => page.close())
  await page.join()
  const serverSide = [...app.websocketServer.clients].find((c) => !before.has(c))!
  socket.pause()
  socket.send(JSON.stringify({ t: 'event', ref: 100, id: page.roots[0]!.id, h: 'start', p: {}, type: 'click' }))
  await until(() => serverSide.bufferedAmount > maxBufferedBytes, 'the server buffer to pass the budget', 20_000)
  const atBudget = streamed
  await until(() => streamed >= atBudget + 200, '200 more items', 20_000)
  feeding = false
  await until(() => liveStats(app).tasks === 0, 'the feed to stop')
  const last = streamed
  socket.resume()
  await until(() => page.html().includes(`<p id="tick">${last}</p>`), 'the last render to arrive', 20_000)
  const patches = page.frames.filter((f) => f.t === 'patch')
  const gap = patches.findIndex((f, k) => k > 0 && f.v !== patches[k - 1]!.v! + 1)
  t.ok(gap > 0, 'renders were held back')
  const seen = new Set<number>()
  for (const f of page.frames) {
    const text = typeof f.html === 'string' ? f.html : Array.isArray(f.d) ? String(f.d[1]) : ''
    for (const m of text.matchAll(/id="ticks-(\d+)"/g)) seen.add(Number(m[1]))
  }
  const missing = Array.from({ length: last }, (_, k) => k + 1).filter((id) => !seen.has(id))
  t.same(missing, [], `every one of the ${last} items reached the page`)
  const after = [...String(patches[gap]!.html).matchAll(/id="ticks-(\d+)"/g)].length
  t.ok(after >= 200, `the render after the gap carries the items of the renders held back (${after})`)
})
