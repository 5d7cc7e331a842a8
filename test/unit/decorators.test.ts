import t from 'tap'
import {
  LiveView, background, cache, clientState, debounce, eventHandler, loading, optimistic, permissionRequired, throttle,
} from '../../lib/index.js'
import { buildDispatchTable } from '../../lib/dispatch.js'
import { recordedMeta } from '../../lib/metadata.js'
import { kHandlerMeta } from '../../lib/symbols.js'

const specOf = (View: any, name: string) => recordedMeta(View.prototype[name])?.spec

t.test('the six decorators without required options work bare and called', async (t) => {
  class Bare extends LiveView {
    @eventHandler a () {}
    @debounce @eventHandler() b () {}
    @throttle @eventHandler() c () {}
    @optimistic @eventHandler() d () {}
    @cache @eventHandler() e () {}
    @background @eventHandler() f () {}
  }
  class Called extends LiveView {
    @eventHandler() a () {}
    @debounce() @eventHandler() b () {}
    @throttle() @eventHandler() c () {}
    @optimistic() @eventHandler() d () {}
    @cache() @eventHandler() e () {}
    @background() @eventHandler() f () {}
  }
  const bare = buildDispatchTable(Bare)
  const called = buildDispatchTable(Called)
  t.equal(bare.policiesJson, called.policiesJson, 'bare and called declare the same policies')
  t.same(JSON.parse(bare.policiesJson), {
    b: { debounce: { wait: 300 } },
    c: { throttle: { interval: 100, leading: true, trailing: true } },
    d: { optimistic: true },
    e: { cache: { ttl: 60000, keyParams: [] } },
  })
  t.ok(bare.handlers.has('a') && called.handlers.has('a'), 'a bare @eventHandler makes a handler')
  t.equal(bare.handlers.get('f')!.background, true)
  t.equal(called.handlers.get('f')!.background, true)
})

t.test('the decorators take their options when called', async (t) => {
  class View extends LiveView {
    isSaving = false
    filter = ''
    @eventHandler({ params: ['q'], description: 'search', coerceTypes: false }) a () {}
    @debounce(500) @eventHandler() b () {}
    @debounce({ wait: 100, maxWait: 400 }) @eventHandler() b2 () {}
    @throttle(250) @eventHandler() c () {}
    @throttle({ interval: 50, leading: false }) @eventHandler() c2 () {}
    @cache({ ttl: 1000, keyParams: ['value'] }) @eventHandler() e () {}
    @clientState(['filter']) @eventHandler() g () {}
    @loading('isSaving') @eventHandler() h () {}
    @permissionRequired('app.delete') @eventHandler() i () {}
    @permissionRequired(['a', 'b']) @eventHandler() i2 () {}
  }
  t.same(specOf(View, 'a'), { params: ['q'], description: 'search', coerceTypes: false })
  t.same(specOf(View, 'b'), { debounce: 500 })
  t.same(specOf(View, 'b2'), { debounce: { wait: 100, maxWait: 400 } })
  t.same(specOf(View, 'c'), { throttle: 250 })
  t.same(specOf(View, 'c2'), { throttle: { interval: 50, leading: false } })
  t.same(specOf(View, 'e'), { cache: { ttl: 1000, keyParams: ['value'] } })
  t.same(specOf(View, 'g'), { clientState: ['filter'] })
  t.same(specOf(View, 'h'), { loading: 'isSaving' })
  t.same(specOf(View, 'i'), { permissionRequired: 'app.delete' })
  const table = buildDispatchTable(View)
  t.same(table.handlers.get('i')!.permissions, ['app.delete'])
  t.same(table.handlers.get('i2')!.permissions, ['a', 'b'])
  t.same(table.handlers.get('a')!.description, 'search')
})

t.test('the decorators that need an argument refuse to be used bare', async (t) => {
  // A bare @permissionRequired that declared nothing would leave the handler unprotected.
  t.throws(() => {
    class View extends LiveView { @permissionRequired @eventHandler() remove () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@permissionRequired needs/ })
  t.throws(() => {
    class View extends LiveView { @loading @eventHandler() save () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@loading needs/ })
  t.throws(() => {
    class View extends LiveView { @clientState @eventHandler() filter () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@clientState needs/ })
  t.throws(() => {
    class View extends LiveView { @permissionRequired() @eventHandler() remove () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@permissionRequired needs/ })
})

t.test('decorators apply in any order', async (t) => {
  class First extends LiveView {
    isSaving = false
    @eventHandler({ params: ['value'] }) @debounce(500) @loading('isSaving') @permissionRequired('x') search () {}
  }
  class Last extends LiveView {
    isSaving = false
    @permissionRequired('x') @loading('isSaving') @debounce(500) @eventHandler({ params: ['value'] }) search () {}
  }
  const a = buildDispatchTable(First).handlers.get('search')!
  const b = buildDispatchTable(Last).handlers.get('search')!
  t.same(a.client, b.client)
  t.same(a.client, { debounce: { wait: 500 }, loading: 'isSaving' })
  t.same(a.permissions, b.permissions)
  t.same(a.params, b.params)
})

t.test('metadata is recorded on the method itself, which stays the same function', async (t) => {
  const original = function search (): string { return 'ran' }
  const context = { kind: 'method', name: 'search', static: false, private: false } as unknown as ClassMethodDecoratorContext
  t.equal(eventHandler()(original, context), undefined, 'a decorator returns nothing, so the method is not wrapped')
  t.equal(debounce(200)(original, context), undefined)
  const meta = (original as any)[kHandlerMeta]
  t.same(meta, { eventHandler: true, spec: { debounce: 200 }, applied: ['@eventHandler', '@debounce'] })
  t.notOk(Object.keys(original).includes(String(kHandlerMeta)), 'the record is not enumerable')
  t.equal(Object.getOwnPropertyDescriptor(original, kHandlerMeta)!.enumerable, false)

  class View extends LiveView {
    @eventHandler() search () { return 'ran' }
  }
  t.equal(new View().search(), 'ran', 'the decorated method still runs')
  t.equal(recordedMeta(View.prototype.search)!.eventHandler, true)
  t.equal(recordedMeta('not a function'), undefined)
  t.equal(recordedMeta(() => {}), undefined)
})

t.test('a decorator applied twice to one method is an error', async (t) => {
  t.throws(() => {
    class View extends LiveView { @eventHandler() @eventHandler() search () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@eventHandler is applied twice to search\(\)/ })
  t.throws(() => {
    class View extends LiveView { @debounce(1) @debounce(2) @eventHandler() search () {} }
    return View
  }, { message: /@debounce is applied twice/ })
})

t.test('decorators on anything but an instance method are errors', async (t) => {
  const field = { kind: 'field', name: 'count', static: false, private: false } as unknown as ClassMethodDecoratorContext
  const getter = { kind: 'getter', name: 'total', static: false, private: false } as unknown as ClassMethodDecoratorContext
  const all = { eventHandler, debounce, throttle, optimistic, cache, background } as Record<string, any>
  for (const [name, decorate] of Object.entries(all)) {
    t.throws(() => decorate(undefined, field), { code: 'FST_LIVE_DECORATOR', message: new RegExp(`@${name} decorates methods only, not the field count`) }, `bare @${name} on a field`)
    t.throws(() => decorate()(undefined, field), { message: /decorates methods only/ }, `called @${name} on a field`)
    t.throws(() => decorate()(() => 1, getter), { message: /not the getter total/ }, `@${name} on a getter`)
  }
  t.throws(() => loading('busy')(undefined as any, field), { message: /@loading decorates methods only/ })
  t.throws(() => clientState(['x'])(undefined as any, field), { message: /@clientState decorates methods only/ })
  t.throws(() => permissionRequired('x')(undefined as any, field), { message: /@permissionRequired decorates methods only/ })
  t.throws(() => {
    class View extends LiveView { @eventHandler() static reset () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /cannot decorate the static method reset/ })
})

t.test('@eventHandler checks its options object', async (t) => {
  t.throws(() => {
    class View extends LiveView { @eventHandler('search' as any) search () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@eventHandler takes an options object/ })
  t.throws(() => {
    class View extends LiveView { @eventHandler({ parms: ['x'] } as any) search () {} }
    return View
  }, { code: 'FST_LIVE_DECORATOR', message: /@eventHandler has no option "parms"; the options are params, description, coerceTypes/ })
})
