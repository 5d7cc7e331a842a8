import t, { type Test } from 'tap'
import { LiveView, clientState, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class FilterBar extends LiveView {
  static override template = 'filter.njk'
  filter = 'all'
  seen = ''

  @clientState(['filter']) @eventHandler({ params: ['value'] })
  choose ({ value }: { value: string }) { this.filter = value }

  @clientState(['filter']) @eventHandler()
  broken () { this.filter = 'half'; throw new Error('nope') }
}

class ListView extends LiveView {
  static override template = 'filter.njk'
  static override listensTo = ['filter']
  filter = 'all'
  seen = ''
  failNext = false

  override onClientState (changes: Record<string, unknown>) {
    if (this.failNext) throw new Error('cannot filter')
    // Runs before the property is set: it sees the old and the new value.
    this.seen = `${this.filter}->${String(changes.filter)}`
  }

  @eventHandler() armFailure () { this.failNext = true }
}

class BusPage extends LiveView {
  static override template = 'bus.njk'
  static override embeds = { Bar: FilterBar, List: ListView }
}

async function setUp (t: Test) {
  const app = await buildApp(t, [['/bus', BusPage]])
  const page = await openLive(app, '/bus')
  t.teardown(() => page.close())
  const [, bar, list] = page.roots
  return { page, bar: bar!.id, list: list!.id }
}

t.test('a @clientState reply carries the published values', async (t) => {
  const { page, bar } = await setUp(t)
  const reply = await page.event('choose', { value: 'open' }, { id: bar })
  t.match(reply, { t: 'reply', id: bar, cs: { filter: 'open' } })
  t.match(page.html(bar), /filter=open/)
})

t.test('a failed @clientState handler publishes nothing', async (t) => {
  const { page, bar } = await setUp(t)
  const reply = await page.event('broken', {}, { id: bar })
  t.match(reply, { t: 'error', code: 'handler_error' })
  t.notOk('cs' in reply)
})

t.test('a state frame sets the listened keys, after onClientState, and re-renders', async (t) => {
  const { page, bar, list } = await setUp(t)
  const { cs } = await page.event('choose', { value: 'open' }, { id: bar })
  // What the browser bus does with `cs`: publish it to the views listening.
  const reply = await page.send({ t: 'state', id: list, values: cs })
  t.match(reply, { t: 'reply', id: list, v: 2 })
  t.match(page.html(list), /filter=open/)
  t.match(page.html(list), /seen=all-&gt;open/, 'onClientState ran first and saw the change')
})

t.test('a key the view does not listen to is refused and changes nothing', async (t) => {
  const { page, list } = await setUp(t)
  const before = page.html(list)
  const refused = await page.send({ t: 'state', id: list, values: { filter: 'x', seen: 'forged' } })
  t.match(refused, { t: 'error', code: 'invalid_params', id: list, message: /ListView does not listen to the client-state key "seen"/ })
  const { html } = await page.send({ t: 'render', id: list })
  t.equal(html, before, 'not even the listened key was set')
  const bar = page.roots[1]!.id
  t.match(await page.send({ t: 'state', id: bar, values: { filter: 'x' } }), { t: 'error', code: 'invalid_params' }, 'a view without listensTo accepts no state')
})

t.test('onClientState that throws leaves the values unset and reports handler_error', async (t) => {
  const { page, list } = await setUp(t)
  await page.event('armFailure', {}, { id: list })
  const error = page.next((f) => f.t === 'error')
  await page.send({ t: 'state', id: list, values: { filter: 'open' } })
  t.match(await error, { t: 'error', code: 'handler_error', id: list, message: /ListView\.onClientState\(\) threw: cannot filter/ })
  t.match(page.html(list), /filter=all/)
})
