import t from 'tap'
import { LiveView, cache, clientState, debounce, eventHandler } from '../../lib/index.js'
import { Renderer } from '../../lib/render.js'
import type { LiveViewClass } from '../../lib/view.js'
import { ViewCatalog } from '../../lib/catalog.js'
import { FIXTURES } from '../helpers/app.js'

const catalog = () => new ViewCatalog(new Renderer([FIXTURES]))

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

t.test('a view is described once per class and template', async (t) => {
  const views = catalog()
  const info = views.describe(CounterView)
  t.equal(info.name, 'CounterView')
  t.equal(info.View, CounterView)
  t.ok(info.table.handlers.has('increment'))
  t.equal(info.template.render({ count: 3 }).includes('<span id="count">3</span>'), true)
  t.equal(views.describe(CounterView), info, 'the second lookup is the same object')
  t.not(views.describe(CounterView, 'child.njk'), info, 'another template is another description')
  t.equal(info.rootAttrs, ' data-live-policies="{}"', 'no listens attribute when the view listens to nothing')
})

t.test('something that is not a LiveView class is refused', async (t) => {
  class NotAView { static template = 'counter.njk' }
  t.throws(() => catalog().describe(NotAView as any), { code: 'FST_LIVE_VIEW', message: /NotAView is not a view: a view is a class that extends LiveView/ })
  t.throws(() => catalog().describe((() => {}) as any), { code: 'FST_LIVE_VIEW' })
  t.throws(() => catalog().describe(undefined as any), { code: 'FST_LIVE_VIEW', message: /undefined is not a view/ })
})

t.test('a view without a template is refused with the line to add', async (t) => {
  class ShoppingCartView extends LiveView {}
  t.throws(() => catalog().describe(ShoppingCartView), {
    code: 'FST_LIVE_VIEW',
    message: /ShoppingCartView has no template: add `static template = 'shopping-cart\.njk'`/,
  })
  t.ok(catalog().describe(ShoppingCartView, 'counter.njk'), 'a route may supply the template')
})

t.test('a template that does not exist fails, naming the view and the directories searched', async (t) => {
  class GhostView extends LiveView { static override template = 'ghost.njk' }
  t.throws(() => catalog().describe(GhostView), {
    code: 'FST_LIVE_TEMPLATE',
    message: new RegExp(`the template "ghost\\.njk" of GhostView was not found in ${FIXTURES.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  })
})

t.test('a template that does not compile fails with the compiler message', async (t) => {
  class BrokenView extends LiveView { static override template = 'broken.njk' }
  t.throws(() => catalog().describe(BrokenView), { code: 'FST_LIVE_TEMPLATE', message: /the template "broken\.njk" of BrokenView does not compile: .+/ })
})

t.test('a view whose constructor throws is refused', async (t) => {
  class Needy extends LiveView {
    static override template = 'counter.njk'
    constructor () { super(); throw new Error('needs a database') }
  }
  t.throws(() => catalog().describe(Needy), { code: 'FST_LIVE_VIEW', message: /Needy could not be constructed without arguments \(needs a database\)/ })
})

t.test('the property name "live" is reserved for the template helpers', async (t) => {
  class Reserved extends LiveView {
    static override template = 'counter.njk'
    live = true
  }
  t.throws(() => catalog().describe(Reserved), { code: 'FST_LIVE_VIEW', message: /Reserved has a property named "live", which is reserved/ })
})

t.test('@cache on a view with streams is refused: a hit would show items the server no longer has', async (t) => {
  class CachedFeed extends LiveView {
    static override template = 'counter.njk'
    static streams = { posts: {} }
    count = 0
    @cache() @eventHandler() page () {}
    @eventHandler() more () {}
  }
  t.throws(() => catalog().describe(CachedFeed), { code: 'FST_LIVE_STREAM', message: /CachedFeed declares static streams and @cache on page\(\): .*remove @cache from that handler/ })
  class Feed extends LiveView {
    static override template = 'counter.njk'
    static streams = { posts: {} }
    count = 0
    @eventHandler() more () {}
  }
  t.ok(catalog().describe(Feed), 'streams without @cache are fine')
})

t.test('listensTo keys must be declared properties', async (t) => {
  class Listener extends LiveView {
    static override template = 'counter.njk'
    static override listensTo = ['filter']
    filter = ''
  }
  const info = catalog().describe(Listener)
  t.same([...info.listensTo], ['filter'])
  t.match(info.rootAttrs, / data-live-listens="\[&quot;filter&quot;\]"/, 'the keys are in the root attributes, escaped')

  class Undeclared extends LiveView {
    static override template = 'counter.njk'
    static override listensTo = ['filter']
  }
  t.throws(() => catalog().describe(Undeclared), {
    code: 'FST_LIVE_VIEW',
    message: /Undeclared: "filter" is in `static listensTo` but is not a property of the view; declare it with a default, e.g. `filter = ''`/,
  })
  class NotAList extends LiveView {
    static override template = 'counter.njk'
    static override listensTo = 'filter' as any
  }
  t.throws(() => catalog().describe(NotAList), { code: 'FST_LIVE_VIEW', message: /NotAList\.listensTo must be a list of property names/ })
})

t.test('@clientState keys must be declared properties', async (t) => {
  class Publisher extends LiveView {
    static override template = 'counter.njk'
    @clientState(['sort']) @eventHandler() order () {}
  }
  t.throws(() => catalog().describe(Publisher), { code: 'FST_LIVE_VIEW', message: /Publisher: "sort" is published by @clientState on order\(\) but is not a property/ })
})

t.test('handler errors surface when the view is described', async (t) => {
  class Bad extends LiveView {
    static override template = 'counter.njk'
    @debounce(1) search () {}
  }
  t.throws(() => catalog().describe(Bad), { code: 'FST_LIVE_HANDLER' })
})

t.test('policies are serialized once into escaped root attributes', async (t) => {
  class Search extends LiveView {
    static override template = 'counter.njk'
    @debounce(500) @eventHandler() search () {}
  }
  const info = catalog().describe(Search)
  t.equal(info.table.policiesJson, '{"search":{"debounce":{"wait":500}}}')
  t.match(info.rootAttrs, /^ data-live-policies="\{&quot;search&quot;:\{&quot;debounce&quot;:\{&quot;wait&quot;:500\}\}\}"/)
})

t.test('embeds are described with their parent, and may nest or recurse', async (t) => {
  class Child extends LiveView { static override template = 'child.njk'; count = 0; label = '' }
  class Parent extends LiveView {
    static override template = 'parent.njk'
    static override embeds = { Child }
    count = 0
  }
  class Tree extends LiveView {
    static override template = 'counter.njk'
    static override embeds: Record<string, LiveViewClass> = {}
  }
  Tree.embeds = { Tree, Parent }
  const views = catalog()
  const info = views.describe(Tree)
  t.equal(info.embeds.get('Tree'), info, 'a view may embed itself')
  t.equal(info.embeds.get('Parent')!.embeds.get('Child'), views.describe(Child))

  class BadEmbed extends LiveView {
    static override template = 'counter.njk'
    static override embeds = { Oops: class NotAView {} } as any
  }
  t.throws(() => catalog().describe(BadEmbed), { code: 'FST_LIVE_VIEW', message: /NotAView is not a view/ })
  class EmbedsList extends LiveView {
    static override template = 'counter.njk'
    static override embeds = 'Child' as any
  }
  t.throws(() => catalog().describe(EmbedsList), { code: 'FST_LIVE_VIEW', message: /EmbedsList\.embeds must be an object of name → view class/ })
})
