import t from 'tap'
import { LiveView, eventHandler, errors } from '../../lib/index.js'
import { liveStats, openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { PostsView } from '../fixtures/stream-views.js'

// What the server sends of a stream (docs/streams.md): each item once, in
// the render after it was added; a mount resets the page's stream.

const opsOf = (html: string): unknown => JSON.parse(/data-live-stream-ops="([^"]*)"/.exec(html)![1]!.replace(/&quot;/g, '"'))
const itemIds = (html: string): string[] => [...html.matchAll(/<li id="(posts-[^"]+)"/g)].map((m) => m[1]!)

t.test('the page gets what mount streamed, then each new item alone: the delta is the container', async (t) => {
  const app = await buildApp(t, [['/posts', PostsView]])
  const page = await openLive(app, '/posts')
  t.teardown(() => page.close())
  t.same(itemIds(page.html()), ['posts-1', 'posts-2', 'posts-3'])
  t.same(opsOf(page.html()), { r: 1 }, 'a mount resets the stream in the page')
  const reply = await page.event('act', { op: 'insert', json: JSON.stringify({ id: 4, quiet: true, opts: { at: 0 } }) })
  const d = reply.d as [string, string]
  t.equal(d[0], 'posts', 'the delta is the container')
  t.same(itemIds(d[1]), ['posts-4'], 'with the new item alone')
  t.same(opsOf(d[1]), { i: [['posts-4', 0, null]] })
  const again = await page.event('act', { op: 'title', json: JSON.stringify({ title: 'x' }) })
  t.same(itemIds(String(again.html ?? again.d?.[1] ?? '')), [], 'a render with nothing new for the stream sends no item')
})

t.test('a join that mounts the view anew answers with a render that resets the stream', async (t) => {
  const app = await buildApp(t, [['/posts', PostsView]], { handoffTtl: 20 })
  const page = await openLive(app, '/posts', { join: false })
  t.teardown(() => page.close())
  // The HTTP render's view waits for its join no longer than handoffTtl.
  while (liveStats(app).views > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const [joined] = await page.join()
  t.equal(typeof joined!.html, 'string', 'mounted anew: the join carries the render')
  t.same(opsOf(String(joined!.html)), { r: 1 })
  t.same(itemIds(String(joined!.html)), ['posts-1', 'posts-2', 'posts-3'])
})

class Room extends LiveView {
  static override template = 'stream-room.njk'
  static override streams = { log: {} }
  said = 0
  _me = ''
  override mount () { this.subscribe('room') }
  @eventHandler({ params: { me: { type: 'string' } } }) name ({ me }: { me: string }) { this._me = me }
  override handleInfo (_topic: string, text: unknown) {
    this.said++
    this.streamInsert('log', { id: this.said, text: `${String(text)} to ${this._me}` })
  }
}

t.test('views with streams never share a broadcast render: equal state, their own items', async (t) => {
  const app = await buildApp(t, [['/room', Room]])
  const a = await openLive(app, '/room')
  const b = await openLive(app, '/room')
  t.teardown(() => { a.close(); b.close() })
  await a.event('name', { me: 'a' })
  await b.event('name', { me: 'b' })
  const patched = Promise.all([a.next((f) => f.t === 'patch'), b.next((f) => f.t === 'patch')])
  await app.live.publish('room', 'hi')
  await patched
  t.match(a.html(), /hi to a/)
  t.match(b.html(), /hi to b/)
})

t.test('a view may not have a property named streams beside static streams', async (t) => {
  class Clash extends LiveView {
    static override template = 'stream-room.njk'
    static override streams = { log: {} }
    streams = 1
  }
  const app = await buildApp(t, [])
  t.throws(() => app.live('/clash', Clash), errors.FST_LIVE_STREAM)
  class BadStreams extends LiveView {
    static override template = 'stream-room.njk'
    static override streams = 'log' as any
  }
  t.throws(() => app.live('/bad', BadStreams), { code: 'FST_LIVE_STREAM', message: /BadStreams.streams must be an object/ })
})
