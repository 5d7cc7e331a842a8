import t from 'tap'
import { escapeAttr, PLUGIN_TEMPLATES, Renderer, safe } from '../../lib/render.js'
import { FIXTURES } from '../helpers/app.js'

t.test('escapeAttr escapes what could end or break out of an attribute', async (t) => {
  t.equal(escapeAttr(`a&b"c'd<e>f`), 'a&amp;b&quot;c&#39;d&lt;e&gt;f')
  t.equal(escapeAttr('{"search":{"debounce":{"wait":500}}}'), '{&quot;search&quot;:{&quot;debounce&quot;:{&quot;wait&quot;:500}}}')
  t.equal(escapeAttr('plain text'), 'plain text')
  t.equal(escapeAttr('&amp;'), '&amp;amp;', 'escaping is not idempotent: each call escapes once')
})

t.test('templates compile once and render with autoescape', async (t) => {
  const renderer = new Renderer([FIXTURES])
  const tmpl = renderer.template('counter.njk', 'CounterView')
  t.equal(renderer.template('counter.njk', 'OtherView'), tmpl, 'a template is compiled once')
  t.match(tmpl.render({ count: '<b>' }), /<span id="count">&lt;b&gt;<\/span>/)
  t.match(tmpl.render({ count: safe('<b>') }), /<span id="count"><b><\/span>/, 'safe() marks trusted HTML')
})

t.test('the plugin templates come after the app directories', async (t) => {
  const renderer = new Renderer([FIXTURES])
  t.ok(renderer.template('live/layout.njk', 'the layout'), 'the default layout is found')
  t.match(PLUGIN_TEMPLATES, /templates\/$/)
})

t.test('a missing template names what needed it and where it was looked for', async (t) => {
  const renderer = new Renderer([FIXTURES])
  t.throws(() => renderer.template('nope.njk', 'NopeView'), {
    code: 'FST_LIVE_TEMPLATE',
    message: /the template "nope\.njk" of NopeView was not found in .*fixtures\/templates\/, .*templates\/; check the name or the plugin's `templates` option/,
  })
})

t.test('a template that does not compile fails with the compiler message', async (t) => {
  const renderer = new Renderer([FIXTURES])
  t.throws(() => renderer.template('broken.njk', 'BrokenView'), { code: 'FST_LIVE_TEMPLATE', message: /the template "broken\.njk" of BrokenView does not compile: .*broken\.njk/ })
})
