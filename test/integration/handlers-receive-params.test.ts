import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

/** What each handler call received, in order. */
let calls: Array<{ handler: string, params: Record<string, unknown>, event: LiveEvent }> = []

class ParamsView extends LiveView {
  static override template = 'params.njk'
  last = ''

  @eventHandler()
  anything (params: Record<string, unknown>, event: LiveEvent) { this.note('anything', params, event) }

  @eventHandler({ params: ['itemId'] })
  pick (params: Record<string, unknown>, event: LiveEvent) { this.note('pick', params, event) }

  @eventHandler({ params: { qty: { type: 'integer', minimum: 1 }, gift: { type: 'boolean' } } })
  setQty (params: Record<string, unknown>, event: LiveEvent) { this.note('setQty', params, event) }

  @eventHandler({ params: { qty: { type: 'integer' } }, coerceTypes: false })
  strictQty (params: Record<string, unknown>, event: LiveEvent) { this.note('strictQty', params, event) }

  @eventHandler()
  async slow (params: { ms: number }) {
    await new Promise((resolve) => setImmediate(resolve))
    this.last = `slow done ${params.ms}`
  }

  note (handler: string, params: Record<string, unknown>, event: LiveEvent) {
    calls.push({ handler, params, event })
    this.last = `${handler} ${JSON.stringify(params)}`
  }
}

t.beforeEach(() => { calls = [] })

t.test('a handler receives the params object and event metadata', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params', { headers: { 'x-user': 'ada' } })
  t.teardown(() => page.close())
  const reply = await page.event('anything', { itemId: '5', label: 'Tea' }, { type: 'submit' })
  t.equal(reply.t, 'reply')
  t.equal(calls.length, 1)
  t.same(calls[0]!.params, { itemId: '5', label: 'Tea' })
  const event = calls[0]!.event
  t.equal(event.handler, 'anything')
  t.equal(event.type, 'submit', 'the DOM event type')
  t.equal(event.request.headers['x-user'], 'ada', 'the request of the page socket, with its headers')
  t.ok(event.signal instanceof AbortSignal)
  t.equal(event.signal.aborted, false)
  t.match(page.html(), /last: anything \{&quot;itemId&quot;:&quot;5&quot;,&quot;label&quot;:&quot;Tea&quot;\}/, 'and its state is rendered')
})

t.test('a listed param is accepted as it comes', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  t.equal((await page.event('pick', { itemId: '5' })).t, 'reply')
  t.same(calls[0]!.params, { itemId: '5' })
})

t.test('with a schema, "5" arrives as 5 (coerceTypes is on by default)', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  t.equal((await page.event('setQty', { qty: '5', gift: 'true' })).t, 'reply')
  t.same(calls[0]!.params, { qty: 5, gift: true })
  t.equal(typeof calls[0]!.params.qty, 'number')
})

t.test('with coerceTypes off, "5" is refused and 5 accepted', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  const refused = await page.event('strictQty', { qty: '5' })
  t.match(refused, { t: 'error', code: 'invalid_params', handler: 'strictQty', message: /ParamsView\.strictQty\(\): param "qty" must be integer/ })
  t.equal(calls.length, 0, 'the handler did not run')
  t.equal((await page.event('strictQty', { qty: 5 })).t, 'reply')
  t.same(calls[0]!.params, { qty: 5 })
})

t.test('a value failing its schema is refused with a message naming the param', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  t.match(await page.event('setQty', { qty: 0 }), { t: 'error', code: 'invalid_params', message: /param "qty" must be >= 1/ })
  t.match(await page.event('setQty', { qty: 'many' }), { t: 'error', code: 'invalid_params', message: /param "qty" must be integer/ })
  t.equal(calls.length, 0)
})

t.test('an undeclared param is refused, naming it and the declared ones', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  const list = await page.event('pick', { itemId: '5', admin: true })
  t.match(list, { t: 'error', code: 'invalid_params', handler: 'pick', message: /ParamsView\.pick\(\): has an undeclared param "admin" \(declared: itemId\)/ })
  const schema = await page.event('setQty', { qty: 1, price: 0 })
  t.match(schema, { t: 'error', code: 'invalid_params', message: /undeclared param "price" \(declared: qty, gift\)/ })
  t.equal(calls.length, 0)
})

t.test('value and key, which the bundle sends, are always allowed', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  t.equal((await page.event('pick', { itemId: '1', value: 'typed', key: 'Enter' }, { type: 'keydown' })).t, 'reply')
  t.same(calls[0]!.params, { itemId: '1', value: 'typed', key: 'Enter' })
  t.equal((await page.event('setQty', { value: 'x' })).t, 'reply')
})

t.test('an async handler is awaited before the reply', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  await page.event('slow', { ms: 1 })
  t.match(page.html(), /last: slow done 1/)
})

t.test('events of one view run one at a time, in order', async (t) => {
  const app = await buildApp(t, [['/params', ParamsView]])
  const page = await openLive(app, '/params')
  t.teardown(() => page.close())
  const replies = await Promise.all([page.event('slow', { ms: 1 }), page.event('anything', { n: 2 }), page.event('slow', { ms: 3 })])
  t.same(replies.map((r) => r.ref), [2, 3, 4])
  t.same(page.frames.filter((f) => f.t === 'reply' && f.ref! > 1).map((f) => f.ref), [2, 3, 4], 'replies arrive in the order the events were sent')
  t.same(calls.map((c) => c.handler), ['anything'])
  t.match(page.html(), /last: slow done 3/, 'the last event sent is the last rendered')
})
