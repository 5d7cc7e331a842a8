import t from 'tap'
import { FST_LIVE_STREAM } from '../../lib/errors.js'
import { MAX_WAITING, Streams, streamNames, streamsOf } from '../../lib/streams.js'
import { LiveView } from '../../lib/view.js'

const ops = (html: string): unknown => {
  const m = /data-live-stream-ops="([^"]*)"/.exec(html)
  return m === null ? undefined : JSON.parse(m[1]!.replace(/&quot;/g, '"'))
}
const ids = (context: Record<string, Array<{ domId: string }>>, name: string): string[] => context[name]!.map((i) => i.domId)
const CONTAINER = '<ul id="posts" live-stream></ul>'

t.test('a render takes the waiting items, each with its domId, and the server keeps none after it', async (t) => {
  const s = new Streams('FeedView', new Set(['posts', 'other']))
  s.stream('posts', [{ id: 1, title: 'a' }, { id: 'x', title: 'b' }])
  t.equal(s.waiting, 2)
  const context = s.take()
  t.same(context.posts, [{ id: 1, title: 'a', domId: 'posts-1' }, { id: 'x', title: 'b', domId: 'posts-x' }])
  t.same(context.other, [], 'a stream with nothing new is an empty list')
  t.equal(s.waiting, 0)
  t.same(ids(s.take(), 'posts'), [], 'the next render sees nothing of them')
})

t.test('operations are written on the container the render names', async (t) => {
  const s = new Streams('FeedView', new Set(['posts']))
  s.stream('posts', [{ id: 1 }, { id: 2 }], { at: 0, limit: -10 })
  s.delete('posts', { id: 9 })
  s.take()
  t.same(ops(s.mark(CONTAINER)), { d: ['posts-9'], i: [['posts-1', 0, -10], ['posts-2', 1, -10]] }, 'a batch at 0 takes positions 0, 1, ...')
  s.take()
  t.same(ops(s.mark(CONTAINER)), {}, 'a render without operations marks its containers with none')
  s.reset('posts', [{ id: 3 }])
  s.take()
  t.same(ops(s.mark(CONTAINER)), { r: 1 }, 'appended items without a limit are not listed')
})

t.test('the container is found by live-stream="name", or by its id, and only as an attribute', async (t) => {
  const s = new Streams('V', new Set(['posts', 'b']))
  s.delete('b', { id: 1 })
  s.take()
  t.match(s.mark(`<ol id="x" live-stream="b" class="c">`), /live-stream="b" class="c" data-live-stream-ops="\{&quot;d&quot;:\[&quot;b-1&quot;\]\}">$/)
  s.delete('posts', { id: 1 })
  s.take()
  t.match(s.mark(`<ul\tlive-stream id='posts'/>`), /<ul\tlive-stream id='posts' data-live-stream-ops="[^"]*posts-1[^"]*"\/>$/, 'single quotes, a self-closed tag')
  const text = '<p>live-stream is a word here</p><li live-stream-empty>none</li><p title="x live-stream">'
  s.delete('posts', { id: 2 })
  s.take()
  t.equal(s.mark(text), text, 'text, another attribute and a value are left alone')
  t.equal(s.mark('<ul live-stream'), '<ul live-stream', 'a tag that never closes is left alone')
  t.match(s.mark('<ul live-stream id=other>'), /data-live-stream-ops="\{\}"/, 'a container of no declared stream gets no operations')
})

t.test('operations of one render replay in order: delete then insert shows the item, insert then delete does not', async (t) => {
  const s = new Streams('V', new Set(['posts']))
  s.delete('posts', { id: 1 })
  s.insert('posts', { id: 1 }, { at: 0 })
  s.insert('posts', { id: 2 })
  s.delete('posts', { id: 2 })
  const context = s.take()
  t.same(ids(context, 'posts'), ['posts-1'])
  t.same(ops(s.mark(CONTAINER)), { d: ['posts-1', 'posts-2'], i: [['posts-1', 0, null]] })
})

t.test('a render that did not reach the browser gives its operations back, before the ones made since', async (t) => {
  const s = new Streams('V', new Set(['posts']))
  s.stream('posts', [{ id: 1 }, { id: 2 }])
  s.take()
  s.delete('posts', { id: 2 })
  s.insert('posts', { id: 3 })
  s.unsent()
  const context = s.take()
  t.same(ids(context, 'posts'), ['posts-1', 'posts-3'])
  t.same(ops(s.mark(CONTAINER)), { d: ['posts-2'] })
  s.unsent()
  s.reset('posts', [{ id: 9 }])
  s.unsent() // twice: nothing more to give back
  t.same(ids(s.take(), 'posts'), ['posts-9'], 'a later reset wins over what was not sent')
  s.unsent()
  s.insert('posts', { id: 10 })
  s.unsent()
  t.same(ids(s.take(), 'posts'), ['posts-9', 'posts-10'])
  s.take()
  s.unsent()
  t.equal(s.waiting, 0, 'a render that took nothing gives nothing back')
})

t.test('a render that repeats a held-back one (same HTML, nothing sent) keeps its items waiting; one that repeats a sent one does not', async (t) => {
  const s = new Streams('V', new Set(['posts']))
  s.insert('posts', { id: 1 })
  s.take()
  s.unsent()
  t.same(ids(s.take(), 'posts'), ['posts-1'])
  s.repeated()
  t.equal(s.waiting, 1, 'the render came out as the held-back one: still waiting')
  t.same(ids(s.take(), 'posts'), ['posts-1'])
  s.repeated()
  t.equal(s.waiting, 1, 'and again')
  s.take() // sent
  s.insert('posts', { id: 1 })
  s.take()
  s.repeated()
  t.equal(s.waiting, 0, 'after a render that was sent, a repeat of it is not kept')
})

t.test(`at most ${MAX_WAITING} items wait per stream: the oldest go, with one warning`, async (t) => {
  const warnings: string[] = []
  const s = new Streams('V', new Set(['posts']), (m) => warnings.push(m))
  s.stream('posts', Array.from({ length: MAX_WAITING + 5 }, (_, k) => ({ id: k })))
  s.insert('posts', { id: 'last' })
  t.equal(s.waiting, MAX_WAITING)
  const context = s.take()
  t.equal(context.posts![0]!.domId, 'posts-6')
  t.equal(context.posts!.at(-1)!.domId, 'posts-last')
  t.equal(warnings.length, 1)
  t.match(warnings[0], /more than 10000 items of stream "posts".*Stream in batches/)
  s.stream('posts', Array.from({ length: MAX_WAITING }, (_, k) => ({ id: k })))
  s.unsent()
  s.insert('posts', { id: 'x' })
  t.equal(s.waiting, MAX_WAITING, 'also when a render gives its items back')
  t.same(new Streams('V', new Set(['posts'])).stream('posts', Array.from({ length: MAX_WAITING + 1 }, (_, k) => ({ id: k }))), undefined, 'without a logger, no warning and no error')
})

t.test('mistakes are coded errors that name the fix', async (t) => {
  const s = new Streams('FeedView', new Set(['posts']))
  t.throws(() => s.stream('post', []), { code: 'FST_LIVE_STREAM', message: /FeedView.stream\("post"\).*declared: posts.*static streams = \{ post: \{\} \}/ })
  t.throws(() => s.delete('no such', {}), { message: /static streams = \{ posts: \{\} \}/ })
  t.throws(() => s.stream('posts', [{ title: 'no id' }]), { code: 'FST_LIVE_STREAM', message: /has no `id` \(got an object with id undefined\)/ })
  t.throws(() => s.insert('posts', null as any), { message: /got null/ })
  t.throws(() => s.insert('posts', 5 as any), { message: /got number/ })
  t.throws(() => s.insert('posts', { id: '' }), { message: /no `id`/ })
  t.throws(() => s.stream('posts', 5 as any), { message: /items must be an array/ })
  t.throws(() => s.insert('posts', { id: 1 }, { at: -2 }), { message: /`at` is -1/ })
  t.throws(() => s.insert('posts', { id: 1 }, { at: 0.5 }), { message: /`at` is -1/ })
  t.throws(() => s.insert('posts', { id: 1 }, { limit: 0 }), { message: /`limit` is a non-zero integer/ })
  t.doesNotThrow(() => s.insert('posts', { id: 10n }))
})

t.test('static streams: checked, and the view methods reach the streams', async (t) => {
  t.same([...streamNames({ name: 'A' })], [])
  t.same([...streamNames({ name: 'A', streams: { a: {}, b: {} } })], ['a', 'b'])
  t.throws(() => streamNames({ name: 'A', streams: ['a'] }), FST_LIVE_STREAM)
  t.throws(() => streamNames({ name: 'A', streams: null }), { message: /A.streams must be an object/ })

  class Plain extends LiveView {}
  const plain = new Plain()
  t.equal(streamsOf(plain), undefined)
  t.throws(() => plain.stream('posts', []), { code: 'FST_LIVE_STREAM', message: /Plain.stream\("posts"\): the view declares no streams; add static streams = \{ posts: \{\} \}/ })
  t.throws(() => plain.streamInsert('a-b', {}), { message: /static streams = \{ posts: \{\} \}/ })

  class Feed extends LiveView {
    static override streams = { posts: {} }
  }
  const feed = new Feed()
  feed.stream('posts', [{ id: 1 }])
  feed.streamInsert('posts', { id: 2 }, { at: 0 })
  feed.streamDelete('posts', { id: 3 })
  t.same(ids(streamsOf(feed)!.take(), 'posts'), ['posts-1', 'posts-2'])
  feed.streamReset('posts')
  streamsOf(feed)!.take()
  t.same(ops(streamsOf(feed)!.mark(CONTAINER)), { r: 1 })
  t.equal(streamsOf(feed), streamsOf(feed), 'one per view')
  t.notOk(Object.keys(feed).includes('streams'), 'not in the template context')
  streamsOf(feed)!.resetAll()
  streamsOf(feed)!.take()
  t.same(ops(streamsOf(feed)!.mark(CONTAINER)), { r: 1 }, 'a mount resets every stream')
})
