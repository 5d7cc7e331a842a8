import t, { type Test } from 'tap'
import { LiveView, cache, debounce, eventHandler, loading, throttle } from '../../lib/index.js'
import { buildDispatchTable, collectSpecs } from '../../lib/dispatch.js'
import { FST_LIVE_HANDLER } from '../../lib/errors.js'
import type { HandlerSpec } from '../../lib/metadata.js'
import type { LiveViewClass } from '../../lib/view.js'

/** A view declaring `handlers` in plain-JavaScript style, with a method per handler. */
function plainView (handlers: Record<string, HandlerSpec>, name = 'PlainView'): LiveViewClass {
  const View = class extends LiveView {
    static override handlers = handlers
  }
  Object.defineProperty(View, 'name', { value: name })
  for (const key of Object.keys(handlers)) {
    (View.prototype as any)[key] = function () {}
  }
  return View
}

const failsWith = (t: Test, handlers: Record<string, HandlerSpec>, message: RegExp, what?: string) =>
  t.throws(() => buildDispatchTable(plainView(handlers)), { code: 'FST_LIVE_HANDLER', message }, what ?? String(message))

t.test('the table lists every @eventHandler with its compiled policies', async (t) => {
  class SearchView extends LiveView {
    isSaving = false
    @debounce({ wait: 500 }) @eventHandler() search () {}
    @loading('isSaving') @eventHandler() save () {}
    @eventHandler() plain () {}
    helper () {}
  }
  const table = buildDispatchTable(SearchView)
  t.same([...table.handlers.keys()], ['search', 'save', 'plain'], 'undecorated methods are not handlers')
  t.equal(table.policiesJson, '{"search":{"debounce":{"wait":500}},"save":{"loading":"isSaving"}}', 'the API example, byte for byte')
  const plain = table.handlers.get('plain')!
  t.equal(plain.client, undefined, 'a handler without browser policies adds nothing to the policies')
  t.equal(plain.validate, null, 'no params declared: nothing to validate')
  t.same(plain.permissions, [])
  t.equal(plain.background, false)
  t.equal(plain.fn, SearchView.prototype.plain)
  t.equal(table.handlers.get('save')!.loading, 'isSaving')
})

t.test('static handlers declare the same table without decorators', async (t) => {
  class Decorated extends LiveView {
    isSaving = false
    @debounce({ wait: 500 }) @eventHandler() search () {}
    @loading('isSaving') @eventHandler() save () {}
  }
  const Plain = plainView({ search: { debounce: { wait: 500 } }, save: { loading: 'isSaving' } })
  t.equal(buildDispatchTable(Plain).policiesJson, buildDispatchTable(Decorated).policiesJson)
  t.same([...buildDispatchTable(plainView({ increment: {} })).handlers.keys()], ['increment'], 'an empty spec makes a handler')
})

t.test('handlers are inherited along the prototype chain, static handlers of parents included', async (t) => {
  class Base extends LiveView {
    static override handlers = { reset: {} }
    @debounce(200) @eventHandler() search () { return 'base' }
    reset () {}
  }
  class Middle extends Base {
    @eventHandler() extra () {}
  }
  class Leaf extends Middle {
    // An override without decorators keeps the parent's metadata and runs the override.
    override search () { return 'leaf' }
  }
  const table = buildDispatchTable(Leaf)
  t.same([...table.handlers.keys()].sort(), ['extra', 'reset', 'search'])
  const search = table.handlers.get('search')!
  t.same(search.client, { debounce: { wait: 200 } })
  t.equal(search.fn.call(new Leaf(), {}, {}), 'leaf')

  class Redeclared extends Base {
    @throttle(50) @eventHandler() override search () { return 'redeclared' }
  }
  t.same(buildDispatchTable(Redeclared).handlers.get('search')!.client, { throttle: { interval: 50, leading: true, trailing: true } }, 'the most derived declaration wins')
  t.equal(collectSpecs(Redeclared).size, 2)
})

t.test('a policy decorator without @eventHandler fails, naming the view, the handler and the fix', async (t) => {
  class SearchView extends LiveView {
    @debounce(300) search () {}
  }
  t.throws(() => buildDispatchTable(SearchView), {
    code: 'FST_LIVE_HANDLER',
    message: /SearchView\.search\(\) has @debounce but no @eventHandler; add @eventHandler\(\)/,
  })
  t.throws(() => buildDispatchTable(SearchView), FST_LIVE_HANDLER)
})

t.test('a handler may be declared once: decorators or static handlers', async (t) => {
  class Twice extends LiveView {
    static override handlers = { search: {} }
    @eventHandler() search () {}
  }
  t.throws(() => buildDispatchTable(Twice), { message: /Twice\.search\(\) is declared both by decorators and in `static handlers`/ })
})

t.test('lifecycle names and odd names cannot be handlers', async (t) => {
  for (const name of ['mount', 'push', 'startAsync', 'cancelAsync', 'handleAsyncResult', 'onClientState', 'constructor']) {
    failsWith(t, { [name]: {} }, new RegExp(`PlainView\\.${name}\\(\\) is a LiveView lifecycle method`), name)
  }
  class Mounting extends LiveView {
    @eventHandler() override mount () {}
  }
  t.throws(() => buildDispatchTable(Mounting), { message: /Mounting\.mount\(\) is a LiveView lifecycle method and cannot be an event handler/ })
  failsWith(t, { 'not-a-name': {} }, /is not a valid handler name/)
  class Missing extends LiveView {
    static override handlers = { ghost: {} }
  }
  t.throws(() => buildDispatchTable(Missing), { message: /Missing\.ghost\(\) is declared in `static handlers` but the view has no method/ })
})

t.test('static handlers must be an object of option objects', async (t) => {
  class NotObject extends LiveView {
    static override handlers = 'search' as any
  }
  t.throws(() => buildDispatchTable(NotObject), { message: /NotObject: `static handlers` must be an object/ })
  failsWith(t, { search: null as any }, /search\(\) needs an options object in `static handlers`/)
  failsWith(t, { search: true as any }, /needs an options object/)
})

t.test('params: a list of names or JSON Schemas per name', async (t) => {
  const table = buildDispatchTable(plainView({
    list: { params: ['itemId'] },
    schema: { params: { itemId: { type: 'integer' }, tag: { type: 'string' } } },
    any: {},
  }))
  const list = table.handlers.get('list')!.validate!
  t.ok(list({ itemId: 'x' }), 'a listed name takes any value')
  t.notOk(list({ other: 1 }), 'an undeclared param is refused')
  t.equal(list.errors![0]!.keyword, 'additionalProperties')

  const schema = table.handlers.get('schema')!.validate!
  t.ok(schema({ itemId: 5, tag: 'a' }))
  t.notOk(schema({ itemId: 'five' }), 'a value failing its schema is refused')
  t.notOk(schema({ nope: 1 }), 'an undeclared param is refused')
  t.same(table.handlers.get('schema')!.params, { itemId: { type: 'integer' }, tag: { type: 'string' } })

  t.equal(table.handlers.get('any')!.validate, null, 'without params anything passes')
})

t.test('value and key, which the bundle sends itself, are always allowed', async (t) => {
  const table = buildDispatchTable(plainView({ a: { params: [] }, b: { params: { n: { type: 'number' } } } }))
  t.ok(table.handlers.get('a')!.validate!({ value: 'typed', key: 'Enter' }))
  t.ok(table.handlers.get('b')!.validate!({ n: 1, value: 'x', key: 'k' }))
  t.notOk(table.handlers.get('a')!.validate!({ value: 'typed', other: 1 }))
})

t.test('coerceTypes turns "5" into 5 by default, and not when off', async (t) => {
  const table = buildDispatchTable(plainView({
    on: { params: { n: { type: 'integer' } } },
    off: { params: { n: { type: 'integer' } }, coerceTypes: false },
  }))
  const params = { n: '5' } as Record<string, unknown>
  t.ok(table.handlers.get('on')!.validate!(params))
  t.equal(params.n, 5, 'the params object now holds the number')
  const strict = { n: '5' }
  t.notOk(table.handlers.get('off')!.validate!(strict), 'without coercion a string is not an integer')
  t.equal(strict.n, '5')
  t.ok(table.handlers.get('off')!.validate!({ n: 5 }))
})

t.test('bad params declarations fail at registration', async (t) => {
  failsWith(t, { a: { params: [1 as any] } }, /params must list param names as strings; got 1/)
  failsWith(t, { a: { params: [''] } }, /params must list param names as strings/)
  failsWith(t, { a: { params: 'itemId' as any } }, /params must be a list of names \(\['itemId'\]\) or an object of JSON Schemas/)
  failsWith(t, { a: { params: { n: 'integer' as any } } }, /the schema of param "n" must be a JSON Schema object/)
  failsWith(t, { a: { params: { n: { type: 'integr' } } } }, /a\(\) has an invalid params schema/)
  failsWith(t, { a: { params: { n: { tpye: 'integer' } } } }, /invalid params schema/, 'strict schemas refuse unknown keywords')
  failsWith(t, { a: { description: 5 as any } }, /description must be a string/)
  failsWith(t, { a: { coerceTypes: 'yes' as any } }, /coerceTypes must be true or false/)
})

t.test('debounce options are validated and defaulted', async (t) => {
  const client = (spec: HandlerSpec) => buildDispatchTable(plainView({ a: spec })).handlers.get('a')!.client
  t.same(client({ debounce: 500 }), { debounce: { wait: 500 } })
  t.same(client({ debounce: {} }), { debounce: { wait: 300 } })
  t.same(client({ debounce: { wait: 100, maxWait: 100 } }), { debounce: { wait: 100, maxWait: 100 } })
  t.same(client({ debounce: 0 }), { debounce: { wait: 0 } }, '0 ms is allowed')
  failsWith(t, { a: { debounce: -1 } }, /@debounce wait must be a number of milliseconds ≥ 0; got -1/)
  failsWith(t, { a: { debounce: { wait: Infinity } } }, /@debounce wait must be a number/)
  failsWith(t, { a: { debounce: { wait: '300' as any } } }, /@debounce wait must be a number/)
  failsWith(t, { a: { debounce: { wait: 500, maxWait: 100 } } }, /@debounce maxWait \(100\) must not be less than wait \(500\)/)
  failsWith(t, { a: { debounce: { maxWait: -5 } } }, /@debounce maxWait must be a number/)
  failsWith(t, { a: { debounce: { delay: 5 } as any } }, /@debounce has no option "delay"; the options are wait, maxWait/)
  failsWith(t, { a: { debounce: 'soon' as any } }, /@debounce takes a wait in ms or \{ wait, maxWait \}/)
  failsWith(t, { a: { debounce: 100, throttle: 100 } }, /has both @debounce and @throttle; choose one/)
})

t.test('throttle options are validated and defaulted', async (t) => {
  const client = (spec: HandlerSpec) => buildDispatchTable(plainView({ a: spec })).handlers.get('a')!.client
  t.same(client({ throttle: 250 }), { throttle: { interval: 250, leading: true, trailing: true } })
  t.same(client({ throttle: { trailing: false } }), { throttle: { interval: 100, leading: true, trailing: false } })
  failsWith(t, { a: { throttle: -1 } }, /@throttle interval must be a number of milliseconds ≥ 0/)
  failsWith(t, { a: { throttle: 0 } }, /@throttle interval must be more than 0 ms/)
  failsWith(t, { a: { throttle: { leading: 'no' as any } } }, /@throttle leading and trailing must be true or false/)
  failsWith(t, { a: { throttle: { leading: false, trailing: false } } }, /would never send/)
  failsWith(t, { a: { throttle: { wait: 1 } as any } }, /@throttle has no option "wait"/)
  failsWith(t, { a: { throttle: true as any } }, /@throttle takes an interval in ms/)
})

t.test('cache options are validated and defaulted', async (t) => {
  const client = (spec: HandlerSpec) => buildDispatchTable(plainView({ a: spec })).handlers.get('a')!.client
  t.same(client({ cache: true }), { cache: { ttl: 60000, keyParams: [] } })
  t.same(client({ cache: false }), undefined, 'cache: false declares nothing')
  t.same(client({ cache: { ttl: 5000, keyParams: ['page'] } }), { cache: { ttl: 5000, keyParams: ['page'] } }, 'without params any key param is accepted')
  t.same(client({ params: ['page'], cache: { keyParams: ['page', 'value'] } }), { cache: { ttl: 60000, keyParams: ['page', 'value'] } })
  failsWith(t, { a: { params: ['page'], cache: { keyParams: ['pgae'] } } },
    /@cache keyParams names "pgae", which the handler does not accept; add it to @eventHandler\(\{ params \}\)/)
  failsWith(t, { a: { params: { page: { type: 'integer' } }, cache: { keyParams: ['size'] } } }, /keyParams names "size"/)
  failsWith(t, { a: { cache: { ttl: -1 } } }, /@cache ttl must be a number of milliseconds ≥ 0/)
  failsWith(t, { a: { cache: { ttl: 0 } } }, /@cache ttl must be more than 0 ms/)
  failsWith(t, { a: { cache: { keyParams: 'page' as any } } }, /@cache keyParams needs a list of non-empty strings/)
  failsWith(t, { a: { cache: { maxAge: 1 } as any } }, /@cache has no option "maxAge"/)
  failsWith(t, { a: { cache: 5 as any } }, /@cache takes \{ ttl, keyParams \}/)

  class Decorated extends LiveView {
    @cache({ keyParams: ['value'] }) @eventHandler({ params: ['page'] }) a () {}
  }
  t.ok(buildDispatchTable(Decorated).handlers.get('a')!.cache, 'a bundle param may key the cache')
})

t.test('the other policies are validated', async (t) => {
  failsWith(t, { a: { loading: '_busy' } }, /@loading needs the name of a public property, e.g. @loading\('isSaving'\); got "_busy"/)
  failsWith(t, { a: { loading: 'live' } }, /@loading needs the name of a public property/)
  failsWith(t, { a: { loading: 'is-saving' } }, /@loading needs/)
  failsWith(t, { a: { clientState: [] } }, /@clientState needs a list of non-empty strings/)
  failsWith(t, { a: { clientState: 'filter' as any } }, /@clientState needs a list/)
  failsWith(t, { a: { permissionRequired: [] } }, /@permissionRequired needs a list of non-empty strings/)
  failsWith(t, { a: { permissionRequired: [''] } }, /@permissionRequired needs/)
  failsWith(t, { a: { optimistic: 'yes' as any } }, /optimistic must be true or false/)
  failsWith(t, { a: { background: 1 as any } }, /background must be true or false/)

  const table = buildDispatchTable(plainView({
    a: { clientState: ['filter'], permissionRequired: 'x', background: true, optimistic: true },
    b: { optimistic: false },
  }))
  const a = table.handlers.get('a')!
  t.same(a.client, { optimistic: true, clientState: ['filter'] }, 'permissions and background stay on the server')
  t.same(a.permissions, ['x'])
  t.same(a.clientState, ['filter'])
  t.equal(a.background, true)
  t.equal(table.handlers.get('b')!.client, undefined)
})

t.test('an anonymous view is named in errors', async (t) => {
  const View = (() => class extends LiveView { static override handlers = { mount: {} } })()
  Object.defineProperty(View, 'name', { value: '' })
  t.throws(() => buildDispatchTable(View), { message: /AnonymousView\.mount\(\)/ })
})

t.test('invalid policy options fail at app.live(), naming the view and the handler, in any decorator order', async (t) => {
  const { buildApp } = await import('../helpers/app.js')
  class NegativeWait extends LiveView {
    static override template = 'counter.njk'
    @eventHandler() @debounce(-5) search () {}
  }
  class ShortMaxWait extends LiveView {
    static override template = 'counter.njk'
    @debounce({ wait: 400, maxWait: 100 }) @eventHandler() search () {}
  }
  class DefaultWaitShortMaxWait extends LiveView {
    static override template = 'counter.njk'
    @debounce({ maxWait: 100 }) @eventHandler() search () {}
  }
  class NegativeInterval extends LiveView {
    static override template = 'counter.njk'
    @eventHandler() @throttle({ interval: -1 }) scroll () {}
  }
  class UnknownKeyParam extends LiveView {
    static override template = 'counter.njk'
    @eventHandler({ params: { page: { type: 'integer' } } }) @cache({ keyParams: ['page', 'sort'] }) list () {}
  }
  class NegativeTtl extends LiveView {
    static override template = 'counter.njk'
    @cache({ ttl: -1 }) @eventHandler() list () {}
  }
  const cases: Array<[LiveViewClass, RegExp]> = [
    [NegativeWait, /^fastify-live: NegativeWait\.search\(\) @debounce wait must be a number of milliseconds ≥ 0; got -5$/],
    [ShortMaxWait, /^fastify-live: ShortMaxWait\.search\(\) @debounce maxWait \(100\) must not be less than wait \(400\)$/],
    [DefaultWaitShortMaxWait, /^fastify-live: DefaultWaitShortMaxWait\.search\(\) @debounce maxWait \(100\) must not be less than wait \(300\)$/],
    [NegativeInterval, /^fastify-live: NegativeInterval\.scroll\(\) @throttle interval must be a number of milliseconds ≥ 0; got -1$/],
    [UnknownKeyParam, /^fastify-live: UnknownKeyParam\.list\(\) @cache keyParams names "sort", which the handler does not accept/],
    [NegativeTtl, /^fastify-live: NegativeTtl\.list\(\) @cache ttl must be a number of milliseconds ≥ 0; got -1$/],
  ]
  for (const [View, message] of cases) {
    await t.rejects(buildApp(t, [['/x', View]]), { code: 'FST_LIVE_HANDLER', message }, View.name)
  }
})
