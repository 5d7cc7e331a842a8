import fastifyWebsocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import type { Socket } from 'node:net'
import t from 'tap'
import type { WebSocket } from 'ws'
import { LiveView, eventHandler } from '../../lib/index.js'
import { LivePage, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { listen, realSocket } from '../helpers/live.js'

// Small frames are written straight to the TCP socket (lib/text-frames.ts),
// larger ones through ws. Over a real socket (the in-memory test socket has
// no TCP socket under it), every size must arrive whole, and in order.

class FramesView extends LiveView {
  static override template = 'frames.njk'
  text = ''
  big = ''
  @eventHandler({ params: { char: { type: 'string' }, n: { type: 'integer' } } }) say ({ char, n }: { char: string, n: number }) { this.text = char.repeat(n) }
  @eventHandler() grow () { this.big = 'y'.repeat(20_000) }
  @eventHandler() same () {}
}

async function openReal (t: { teardown (fn: () => unknown): void }, app: FastifyInstance): Promise<{ page: LivePage, socket: WebSocket }> {
  const base = await listen(app)
  const body = await (await fetch(`${base}/frames`)).text()
  const socket = await realSocket(base)
  t.teardown(() => socket.terminate())
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  return { page, socket }
}

t.test('replies of every size arrive whole over a real socket, in any script', async (t) => {
  const app = await buildApp(t, [['/frames', FramesView]], { rateLimit: { burst: 1000, perSecond: 1000 } })
  const { page } = await openReal(t, app)
  const sizes = new Set<number>()
  // Frame lengths cross 125/126 (the header grows) and 4,000 bytes (written
  // by ws instead), then go past 65,535 (the longest header).
  const lengths = [...range(10, 110), ...range(960, 1360, 4), 4000, 70_000]
  for (const [k, n] of lengths.entries()) {
    const char = n > 10_000 ? 'a' : ['a', 'é', '日', '🎉'][k % 4]!
    const text = char.repeat(n)
    const reply = await page.event('say', { char, n })
    sizes.add(Buffer.byteLength(JSON.stringify(reply)))
    if (!page.html().startsWith(`<p id="text">${text}</p>`)) {
      t.fail(`a text of ${Buffer.byteLength(text)} bytes did not arrive whole: ${page.html().slice(0, 80)} ${JSON.stringify(reply).slice(0, 300)}`)
      return
    }
  }
  const all = [...sizes]
  t.ok(all.some((s) => s < 126) && all.some((s) => s >= 126 && s <= 4000) && all.some((s) => s > 4000 && s < 65_536) && all.some((s) => s >= 65_536),
    `frame sizes from ${Math.min(...all)} to ${Math.max(...all)} bytes`)
  t.ok(all.some((s) => s >= 3990 && s <= 4010), 'and some right around 4,000 bytes')
})

t.test('with permessage-deflate, a small reply does not overtake a large one being compressed', async (t) => {
  // An app that registered @fastify/websocket itself, with compression on.
  const app = await buildApp(t, [['/frames', FramesView]], {}, async (app) => {
    await app.register(fastifyWebsocket, { options: { perMessageDeflate: { threshold: 1024 } } })
  })
  const { page, socket } = await openReal(t, app)
  t.match(socket.extensions, /permessage-deflate/, 'compression was negotiated')
  const id = page.roots[0]!.id
  const refs: number[] = []
  socket.on('message', (data) => refs.push(JSON.parse(String(data)).ref))
  const done = page.next((f) => f.ref === 11)
  // Both frames in one write, so the server reads and answers them in one go:
  // the first reply (20 KB of HTML) is compressed asynchronously, the second
  // (a bare acknowledgement) is ready at once.
  const raw = (socket as unknown as { _socket: Socket })._socket
  raw.cork()
  socket.send(JSON.stringify({ t: 'event', ref: 10, id, h: 'grow', p: {}, type: 'click' }))
  socket.send(JSON.stringify({ t: 'event', ref: 11, id, h: 'same', p: {}, type: 'click' }))
  raw.uncork()
  await done
  t.same(refs, [10, 11], 'the replies arrive in the order of the events')
  t.ok(page.html().includes('y'.repeat(20_000)), 'and the large one arrived whole')
})

function range (from: number, to: number, step = 1): number[] {
  return Array.from({ length: Math.ceil((to - from) / step) }, (_, k) => from + k * step)
}
