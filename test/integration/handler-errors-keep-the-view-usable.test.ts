import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class FragileView extends LiveView {
  static override template = 'fragile.njk'
  count = 0
  broken = false

  @eventHandler()
  increment () { this.count++ }

  @eventHandler()
  halfway () {
    this.count = 5
    throw new Error('the database went away')
  }

  @eventHandler()
  async later () {
    await new Promise((resolve) => setImmediate(resolve))
    throw new Error('async failure')
  }

  @eventHandler()
  throwsString () {
    // eslint-disable-next-line no-throw-literal
    throw 'not an Error'
  }

  /** Leaves state the template cannot render. */
  @eventHandler()
  breakTemplate () { this.broken = true }

  @eventHandler()
  repair () { this.broken = false; this.count = 42 }
}

t.test('state changed before the throw is kept and patched, then the error arrives', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  const reply = await page.event('halfway')
  t.match(reply, { t: 'error', code: 'handler_error', handler: 'halfway', id: page.roots[0]!.id, message: /FragileView\.halfway\(\) threw: the database went away/ })
  const patchAt = page.frames.findIndex((f) => f.t === 'patch')
  t.ok(patchAt !== -1 && patchAt < page.frames.indexOf(reply), 'the patch comes before the error')
  t.match(page.html(), /count=5/, 'the browser shows the state the handler left')
  t.equal(page.roots[0]!.version, 2)
})

t.test('the view keeps working after a handler throws', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  await page.event('halfway')
  const reply = await page.event('increment')
  t.equal(reply.t, 'reply')
  t.match(page.html(), /count=6/)
})

t.test('an async handler that rejects is reported the same way', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  t.match(await page.event('later'), { t: 'error', code: 'handler_error', handler: 'later', message: /async failure/ })
  t.notOk(page.frames.some((f) => f.t === 'patch'), 'nothing changed, so nothing is patched')
  t.equal((await page.event('increment')).t, 'reply')
})

t.test('a thrown non-Error is reported too', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  t.match(await page.event('throwsString'), { t: 'error', code: 'handler_error', message: /threw: not an Error/ })
})

t.test('a render that fails is answered, and the view recovers once its state renders again', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  const before = page.html()
  t.match(await page.event('breakTemplate'), { t: 'error', code: 'handler_error', handler: 'breakTemplate' }, 'the browser is not left waiting')
  t.equal(page.html(), before, 'the browser keeps the last good render')
  // A render request answers with the last render sent; it does not run the template again.
  t.match(await page.send({ t: 'render', id: page.roots[0]!.id }), { t: 'reply', html: before }, 'a render request gets the last good render')
  const reply = await page.event('repair')
  t.equal(reply.t, 'reply')
  t.match(page.html(), /count=42/)
})

/** onClientState breaks the state the template needs, then throws. */
class FragileStateView extends FragileView {
  static override listensTo = ['filter']
  filter = ''
  override onClientState () {
    this.broken = true
    throw new Error('cannot filter')
  }
}

t.test('a state frame whose onClientState throws and whose render then throws gets exactly one answer', async (t) => {
  const app = await buildApp(t, [['/fragile', FragileStateView]])
  const page = await openLive(app, '/fragile')
  t.teardown(() => page.close())
  const id = page.roots[0]!.id
  const answer = await page.send({ t: 'state', ref: 50, id, values: { filter: 'open' } })
  t.match(answer, { t: 'error', code: 'handler_error', ref: 50, id, message: /FragileStateView\.onClientState\(\) threw: cannot filter/ }, 'the hook error is the answer')
  // Frames of a view are answered in order: once the next is, the state frame has had all its answers.
  t.match(await page.event('repair'), { t: 'reply' })
  t.equal(page.frames.filter((f) => f.ref === 50).length, 1, 'one answer, not none and not two')
  t.match(page.html(), /count=42/, 'the view is usable again')
})
