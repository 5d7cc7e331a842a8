import t from 'tap'
import { Embeds, childId, helpers, renderWith, type EmbedHost, type Rendering } from '../../lib/embeds.js'
import { safe } from '../../lib/render.js'

// lib/embeds.ts: `live.embed()` leaves a marker per call; fill() replaces the
// markers with mounted embeds (new ones rendered, existing ones as empty
// shells the browser keeps), keeps embeds by position and name, and ends
// those a render dropped; `live` helpers reach the session that renders.

/** A session as the second pass sees it: records what it mounts and ends. */
class Host implements EmbedHost {
  readonly mounted: Array<{ name: string, props: Record<string, unknown>, id: string }> = []
  readonly others = new Map<string, Host>()
  closed = false
  attached = false
  ended = false
  constructor (readonly id: string) {}

  async mountEmbed (name: string, props: Record<string, unknown>, id: string): Promise<{ child: EmbedHost, html: string }> {
    this.mounted.push({ name, props, id })
    return { child: new Host(id), html: `<div id="${id}">${name} ${JSON.stringify(props)}</div>` }
  }

  joined (id: string): EmbedHost | undefined { return this.others.get(id) }
  end (): void { this.ended = true; this.closed = true }
}

/** Runs a "template" that calls marker() for each [name, props], and returns the html with its calls. */
function render (embeds: Embeds<Host>, calls: Array<[string, Record<string, unknown>?]>): { html: string, calls: ReturnType<Embeds<Host>['end']> } {
  embeds.begin()
  const html = calls.map(([name, props]) => `[${embeds.marker(name, props).toString()}]`).join('')
  return { html, calls: embeds.end() }
}

t.test('a name the view does not embed is refused, naming the ones it does', async (t) => {
  t.throws(() => new Embeds('Page', new Set(['Chat', 'Clock'])).marker('Cart'), { message: 'Page embeds no view named "Cart"; add it to static embeds (known: Chat, Clock)' })
  t.throws(() => new Embeds('Page', new Set()).marker('Cart'), { message: /\(known: none\)$/ })
})

t.test('a render that embeds nothing has no calls; markers are numbered per render', async (t) => {
  const embeds = new Embeds<Host>('Page', new Set(['Chat']))
  t.same(embeds.children, [], 'no embeds before the first fill')
  t.same(render(embeds, []), { html: '', calls: null })
  const first = render(embeds, [['Chat', { room: 'a' }], ['Chat']])
  t.equal(first.html, '[<!--live-embed:0-->][<!--live-embed:1-->]')
  t.same(first.calls, [{ name: 'Chat', props: { room: 'a' } }, { name: 'Chat', props: {} }])
  t.same(render(embeds, [['Chat']]).html, '[<!--live-embed:0-->]', 'begin() starts over')
})

t.test('fill() mounts new embeds with plain copies of their props, under ids derived from the parent\'s', async (t) => {
  const host = new Host('lv-parent0001')
  const embeds = new Embeds<Host>('Page', new Set(['Chat', 'Clock']))
  const props = { room: 'a', when: new Date(0), nested: { n: 1 } }
  const { html, calls } = render(embeds, [['Chat', props], ['Clock']])
  const filled = await embeds.fill(host, html, calls!)
  const ids = [childId(host.id, 0, 'Chat'), childId(host.id, 1, 'Clock')]
  t.same(host.mounted.map((m) => [m.name, m.id]), [['Chat', ids[0]], ['Clock', ids[1]]])
  t.same(host.mounted[0]!.props, { room: 'a', when: '1970-01-01T00:00:00.000Z', nested: { n: 1 } }, 'props pass as JSON data')
  t.not(host.mounted[0]!.props.nested, props.nested, 'a copy: the parent\'s object is not shared')
  t.equal(filled, `[<div id="${ids[0]}">Chat {"room":"a","when":"1970-01-01T00:00:00.000Z","nested":{"n":1}}</div>][<div id="${ids[1]}">Clock {}</div>]`)
  t.same(embeds.children.map((c) => c.id), ids)
})

t.test('props that are not an object pass as none', async (t) => {
  const host = new Host('lv-parent0002')
  const embeds = new Embeds<Host>('Page', new Set(['Chat']))
  embeds.begin()
  embeds.marker('Chat', null as unknown as Record<string, unknown>)
  await embeds.fill(host, '', embeds.end()!)
  t.same(host.mounted[0]!.props, {})
})

t.test('a re-render keeps the embeds in place as empty shells, and mounts only what is new there', async (t) => {
  const host = new Host('lv-parent0003')
  const embeds = new Embeds<Host>('Page', new Set(['Chat', 'Clock']))
  let r = render(embeds, [['Chat'], ['Clock']])
  await embeds.fill(host, r.html, r.calls!)
  const [chat] = embeds.children
  host.mounted.length = 0

  r = render(embeds, [['Chat'], ['Chat']])
  const html = await embeds.fill(host, r.html, r.calls!)
  t.equal(embeds.children[0], chat, 'the same name at the same place is the same view')
  t.ok(html.startsWith(`[<div id="${chat!.id}" data-live-root></div>]`), 'rendered as an empty root the browser keeps')
  t.same(host.mounted.map((m) => [m.name, m.id]), [['Chat', childId(host.id, 1, 'Chat')]], 'another name at a place is a new view')
})

t.test('embeds a render dropped are ended, unless they are joined (their own socket ends them)', async (t) => {
  const host = new Host('lv-parent0004')
  const embeds = new Embeds<Host>('Page', new Set(['Chat']))
  let r = render(embeds, [['Chat'], ['Chat'], ['Chat']])
  await embeds.fill(host, r.html, r.calls!)
  const [, second, third] = embeds.children
  second!.attached = true
  r = render(embeds, [['Chat']])
  await embeds.fill(host, r.html, r.calls!)
  t.equal(embeds.children.length, 1)
  t.notOk(second!.ended, 'a joined embed is left to its socket')
  t.ok(third!.ended, 'one nobody joined is ended by its parent')
})

t.test('an embed replaced at its place by another view is ended too, unless it is joined', async (t) => {
  const host = new Host('lv-parent0006')
  const embeds = new Embeds<Host>('Page', new Set(['Chat', 'Clock']))
  let r = render(embeds, [['Chat'], ['Chat']])
  await embeds.fill(host, r.html, r.calls!)
  const [first, second] = embeds.children
  first!.attached = true
  r = render(embeds, [['Clock'], ['Clock']])
  await embeds.fill(host, r.html, r.calls!)
  t.same(embeds.children.map((c) => c.id), [childId(host.id, 0, 'Clock'), childId(host.id, 1, 'Clock')], 'two new views in their places')
  t.notOk(first!.ended, 'a joined embed is left to its socket')
  t.ok(second!.ended, 'one nobody joined is ended by its parent')
})

t.test('a closed embed is mounted again; a remounted parent adopts embeds already joined on the socket', async (t) => {
  const host = new Host('lv-parent0005')
  const embeds = new Embeds<Host>('Page', new Set(['Chat']))
  let r = render(embeds, [['Chat']])
  await embeds.fill(host, r.html, r.calls!)
  embeds.children[0]!.closed = true
  host.mounted.length = 0
  r = render(embeds, [['Chat']])
  await embeds.fill(host, r.html, r.calls!)
  t.equal(host.mounted.length, 1, 'the closed one was replaced by a new mount')

  // A new parent (remounted) finds the embed the browser still has joined, by its derived id.
  const remounted = new Embeds<Host>('Page', new Set(['Chat']))
  const joined = new Host(childId(host.id, 0, 'Chat'))
  host.others.set(joined.id, joined)
  host.mounted.length = 0
  r = render(remounted, [['Chat']])
  const html = await remounted.fill(host, r.html, r.calls!)
  t.equal(remounted.children[0], joined)
  t.same(host.mounted, [], 'nothing mounted')
  t.equal(html, `[<div id="${joined.id}" data-live-root></div>]`)
})

t.test('childId is stable, and differs by place and name', async (t) => {
  t.equal(childId('lv-a', 0, 'Chat'), childId('lv-a', 0, 'Chat'))
  t.match(childId('lv-a', 0, 'Chat'), /^lv-[\w-]{10}$/)
  const ids = new Set([childId('lv-a', 0, 'Chat'), childId('lv-a', 1, 'Chat'), childId('lv-a', 0, 'Clock'), childId('lv-b', 0, 'Chat')])
  t.equal(ids.size, 4)
})

t.test('the live helpers reach the session that renders, nested renders included, and nothing outside one', async (t) => {
  const session = (name: string): Rendering => ({
    embed: (embedName, props) => safe(`${name}:${embedName}:${JSON.stringify(props ?? null)}`),
    scripts: safe(`<script src="${name}.js"></script>`),
    errors: { title: `${name} title` },
  })
  t.throws(() => helpers.scripts(), { message: 'live helpers can only be called while a live view renders' })
  const seen = renderWith(session('outer'), () => {
    const before = [helpers.embed('Chat', { a: 1 }).toString(), helpers.scripts().toString(), helpers.errors.title]
    const inner = renderWith(session('inner'), () => helpers.embed('Clock').toString())
    return [...before, inner, helpers.errors.title]
  })
  t.same(seen, ['outer:Chat:{"a":1}', '<script src="outer.js"></script>', 'outer title', 'inner:Clock:null', 'outer title'], 'the outer session is back after a nested render')
  t.throws(() => renderWith(session('x'), () => { throw new Error('template failed') }), { message: 'template failed' })
  t.throws(() => helpers.errors, { message: /only be called while a live view renders/ }, 'a render that threw leaves no session behind')
  t.ok(Object.isFrozen(helpers))
})
