import t from 'tap'
import { LiveView, eventHandler, loading } from '../../lib/index.js'
import { ViewCatalog } from '../../lib/catalog.js'
import { Renderer } from '../../lib/render.js'
import { checkTemplate, checkTemplateSource, distance, loaderReader } from '../../lib/template-check.js'
import { FIXTURES } from '../helpers/app.js'

const facts = (handlers: string[], embeds: string[] = [], methods: string[] = []) => ({
  handlers, embeds, isMethod: (name: string) => methods.includes(name),
})

t.test('an event attribute naming no handler is reported with its line and the nearest handler', async (t) => {
  const source = '<p>\n<button live-click="incremnt">+</button>\n<input live-input=\'serch\'>\n<a live-keyup=decrement>'
  t.same(checkTemplateSource('CounterView', 'counter.njk', source, facts(['increment', 'decrement', 'search'])), [
    'counter.njk:2: live-click="incremnt" names no handler of CounterView; the nearest handler is "increment"',
    'counter.njk:3: live-input="serch" names no handler of CounterView; the nearest handler is "search"',
  ])
})

t.test('every live-* event attribute is read; other attributes are not', async (t) => {
  const attrs = ['click', 'input', 'change', 'submit', 'keydown', 'keyup', 'focus', 'blur']
  const source = attrs.map((a) => `<i live-${a}="nope${a}">`).join('\n') + '\n<i live-key="Enter" data-live-click="x" live-disable-with="…">'
  const found = checkTemplateSource('V', 'v.njk', source, facts(['go']))
  t.equal(found.length, attrs.length)
  attrs.forEach((a, i) => t.match(found[i], `v.njk:${i + 1}: live-${a}="nope${a}" names no handler of V; the nearest handler is "go"`))
})

t.test('a method without @eventHandler is named as such', async (t) => {
  t.same(checkTemplateSource('V', 'v.njk', '<b live-click="reset">', facts(['increment'], [], ['reset'])), [
    'v.njk:1: live-click="reset" names V.reset(), which lacks @eventHandler; add @eventHandler() to it so the browser may call it',
  ])
})

t.test('computed and empty values are skipped; a view without handlers says so', async (t) => {
  t.same(checkTemplateSource('V', 'v.njk', '<b live-click="{{ a }}"><b live-click="{% if x %}a{% endif %}"><b live-click="">', facts([])), [])
  t.same(checkTemplateSource('V', 'v.njk', '<b live-click="go">', facts([])), ['v.njk:1: live-click="go" names no handler of V; it has no @eventHandler methods'])
})

t.test('live.embed with an undeclared literal name is reported', async (t) => {
  const source = "{{ live.embed('Crat') }}\n{{ live.embed(\"Cart\") }}\n{{ live.embed(name) }}\n{{ live.embed('{{x}}') }}"
  t.same(checkTemplateSource('ShopView', 'shop.njk', source, facts([], ['Cart', 'Stats'])), [
    "shop.njk:1: live.embed('Crat') names no embed of ShopView; the nearest embed is \"Cart\"",
  ])
  t.same(checkTemplateSource('ShopView', 'shop.njk', "{{ live.embed('Cart') }}", facts([])), [
    "shop.njk:1: live.embed('Cart') names no embed of ShopView; it has no `static embeds`",
  ])
})

t.test('included, extended and imported templates are read once each; unreadable ones are skipped', async (t) => {
  const sources: Record<string, string> = {
    'page.njk': '{% extends "base.njk" %}{% include \'part.njk\' %}{% include "part.njk" %}{% include "missing.njk" %}{% include "{{ x }}" %}{% include "throws.njk" %}',
    'base.njk': '{% from "macros.njk" import m %}<b live-click="baseTypo">',
    'part.njk': '<b live-click="partTypo">',
    'macros.njk': '{%- import "page.njk" as p %}<b live-blur="go">',
  }
  const read = (name: string) => {
    if (name === 'throws.njk') throw new Error('unreadable')
    return sources[name]
  }
  t.same(checkTemplate('V', 'page.njk', read, facts(['go'])), [
    'base.njk:1: live-click="baseTypo" names no handler of V; the nearest handler is "go"',
    'part.njk:1: live-click="partTypo" names no handler of V; the nearest handler is "go"',
  ])
})

t.test('include chains are bounded', async (t) => {
  let reads = 0
  const read = (name: string) => { reads++; return `{% include "${name}x" %}` }
  t.same(checkTemplate('V', 't', read, facts([])), [])
  t.equal(reads, 20)
})

t.test('edit distance', async (t) => {
  t.equal(distance('', 'abc'), 3)
  t.equal(distance('incremnt', 'increment'), 1)
  t.equal(distance('kitten', 'sitting'), 3)
})

t.test('the catalog warns once per view and template, with what the template check finds', async (t) => {
  class CounterView extends LiveView {
    static override template = 'startup-typos.njk'
    count = 0
    @eventHandler() increment () { this.count++ }
    reset () { this.count = 0 }
    @eventHandler() save () {}
  }
  const warnings: string[] = []
  const catalog = new ViewCatalog(new Renderer([FIXTURES]), false, (message) => warnings.push(message))
  catalog.describe(CounterView)
  catalog.describe(CounterView)
  t.same(warnings, [
    'fastify-live: startup-typos.njk:2: live-click="incremnt" names no handler of CounterView; the nearest handler is "increment"',
    'fastify-live: startup-typos.njk:3: live-click="reset" names CounterView.reset(), which lacks @eventHandler; add @eventHandler() to it so the browser may call it',
    'fastify-live: startup-typos-part.njk:1: live-submit="sav" names no handler of CounterView; the nearest handler is "save"',
    "fastify-live: startup-typos-part.njk:2: live.embed('Crat') names no embed of CounterView; it has no `static embeds`",
  ])
  t.same(new ViewCatalog(new Renderer([FIXTURES])).describe(CounterView).name, 'CounterView', 'without warn, nothing is checked')
})

t.test('lifecycle methods of LiveView are not taken for handlers without @eventHandler', async (t) => {
  class V extends LiveView {
    static override template = 'counter.njk'
    @eventHandler() increment () {}
  }
  const warnings: string[] = []
  const catalog = new ViewCatalog(new Renderer([FIXTURES]), false, (message) => warnings.push(message))
  catalog.describe(V)
  t.same(warnings, [], 'counter.njk names only increment')
  t.same(checkTemplateSource('V', 'x', '<b live-click="mount">', { handlers: [], embeds: [], isMethod: () => false }).length, 1)
})

t.test('@loading naming an undeclared property fails like @clientState', async (t) => {
  class SaveView extends LiveView {
    static override template = 'counter.njk'
    @eventHandler() @loading('isSaving') save () {}
  }
  t.throws(() => new ViewCatalog(new Renderer([FIXTURES])).describe(SaveView), {
    code: 'FST_LIVE_VIEW',
    message: /SaveView: "isSaving" is set by @loading on save\(\) but is not a property of the view; declare it with a default, e\.g\. `isSaving = ''`/,
  })
})

t.test('sources are read through the renderer\'s loaders; a missing one is undefined', async (t) => {
  const read = loaderReader(new Renderer([FIXTURES]).env)
  t.match(read('startup-typos.njk'), /live-click="incremnt"/)
  t.match(read('live/forbidden.njk'), /403 Forbidden/, 'the plugin\'s own templates too')
  t.equal(read('no-such-template.njk'), undefined)
})
