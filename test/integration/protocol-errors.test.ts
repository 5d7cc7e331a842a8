import t, { type Test } from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import type { LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { openSocketPage } from '../helpers/live.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

async function setUp (t: Test) {
  const app = await buildApp(t, [['/counter', CounterView]], { maxMessageBytes: 512 })
  const { page, socket } = await openSocketPage(app, '/counter')
  t.teardown(() => page.close())
  return { page, socket, id: page.roots[0]!.id }
}

/** After each refusal the connection still answers events. */
async function stillUsable (t: Test, page: LivePage, expected: number): Promise<void> {
  const reply = await page.event('increment')
  t.equal(reply.t, 'reply', 'the connection is still usable')
  t.match(page.html(), new RegExp(`<span id="count">${expected}</span>`))
}

t.test('a frame that is not JSON is bad_message', async (t) => {
  const { page } = await setUp(t)
  t.match(await page.send('{"t":"event",'), { t: 'error', code: 'bad_message', message: /not valid JSON/ })
  await stillUsable(t, page, 1)
})

t.test('a binary frame is bad_message', async (t) => {
  const { page, socket } = await setUp(t)
  const error = page.next((f) => f.t === 'error')
  socket.send(Buffer.from(JSON.stringify({ t: 'render', ref: 9, id: page.roots[0]!.id })), { binary: true })
  t.match(await error, { t: 'error', code: 'bad_message', message: /binary frames are not accepted/ })
  await stillUsable(t, page, 1)
})

t.test('a frame larger than maxMessageBytes is too_large', async (t) => {
  const { page, id } = await setUp(t)
  const error = page.next((f) => f.t === 'error')
  page.event('increment', { filler: 'x'.repeat(600) }).catch(() => {})
  t.match(await error, { t: 'error', code: 'too_large', message: /the limit is 512 \(maxMessageBytes\)/ })
  t.notOk(page.frames.some((f) => f.t === 'reply' && f.id === id && f.ref !== 1), 'the event was not handled')
  await stillUsable(t, page, 1)
})

t.test('an event for a view not joined on this socket is unknown_view', async (t) => {
  const { page } = await setUp(t)
  const other = 'lv-BBBBBBBBBB'
  t.match(await page.event('increment', {}, { id: other }), { t: 'error', code: 'unknown_view', id: other, message: /no view lv-BBBBBBBBBB is joined on this socket/ })
  t.match(await page.send({ t: 'render', id: other }), { t: 'error', code: 'unknown_view' })
  t.match(await page.send({ t: 'state', id: other, values: {} }), { t: 'error', code: 'unknown_view' })
  await stillUsable(t, page, 1)
})

t.test('frames of the wrong shape are bad_message, with their ref when it can be read', async (t) => {
  const { page, id } = await setUp(t)
  const shapes: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown type', { t: 'ping', id }, /the frame does not match the protocol/],
    ['a missing handler', { t: 'event', id, p: {}, type: 'click' }, /must have required property 'h'/],
    ['params that are not an object', { t: 'event', id, h: 'increment', p: 'x', type: 'click' }, /\/p must be object/],
    ['a handler name that is not an identifier', { t: 'event', id, h: 'constructor.prototype', p: {}, type: 'click' }, /\/h must match pattern/],
    ['an extra field', { t: 'render', id, admin: true }, /must NOT have additional properties/],
    ['a bad root id', { t: 'render', id: '../etc' }, /\/id must match pattern/],
  ]
  for (const [what, frame, message] of shapes) {
    t.match(await page.send(frame), { t: 'error', code: 'bad_message', message }, what)
  }
  t.match(await page.send('{"t":"render","ref":"x"}'), { t: 'error', code: 'bad_message' }, 'an unreadable ref is left out')
  t.notOk('ref' in page.frames.at(-1)!)
  t.match(await page.send('[1,2]'), { t: 'error', code: 'bad_message' }, 'an array')
  t.match(await page.send('null'), { t: 'error', code: 'bad_message' }, 'null')
  await stillUsable(t, page, 1)
})

t.test('params nested too deeply are bad_message', async (t) => {
  const { page, id } = await setUp(t)
  let deep: Record<string, unknown> = {}
  for (let k = 0; k < 20; k++) deep = { a: deep }
  t.match(await page.event('increment', deep), { t: 'error', code: 'bad_message', id, message: /the params nest too deeply/ })
  t.match(await page.send({ t: 'state', id, values: deep }), { t: 'error', code: 'bad_message', message: /nest too deeply/ })
  await stillUsable(t, page, 1)
})

t.test('every refusal leaves the view as it was', async (t) => {
  const { page, socket } = await setUp(t)
  await page.send('nope')
  socket.send(Buffer.from([1, 2, 3]), { binary: true })
  await page.next((f) => f.t === 'error' && /binary/.test(f.message!))
  await page.send({ t: 'event', id: page.roots[0]!.id, h: 'increment', p: [], type: 'click' })
  await stillUsable(t, page, 1)
})
