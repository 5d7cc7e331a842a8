import t from 'tap'
import { LiveView, eventHandler, loading } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { shownAfter } from '../helpers/live.js'

/** Released by the test while the handler is in flight. */
let gate = deferred()

class SaveView extends LiveView {
  static override template = 'saving.njk'
  isSaving = false
  saved = 0

  @loading('isSaving') @eventHandler()
  async save () {
    await gate.promise
    this.saved++
  }

  @loading('isSaving') @eventHandler()
  async fail () {
    await gate.promise
    throw new Error('disk full')
  }

  @loading('isSaving') @eventHandler({ params: { n: { type: 'integer' } } })
  strict () {}
}

t.beforeEach(() => { gate = deferred() })

t.test('the loading property is rendered true before the handler finishes, and false in the reply', async (t) => {
  const app = await buildApp(t, [['/save', SaveView]])
  const page = await openLive(app, '/save')
  t.teardown(() => page.close())
  const busy = page.next((f) => f.t === 'patch')
  const reply = page.event('save')
  const patch = await busy
  t.match(page.html(), /saving=true saved=0/, 'the patch shows the property set')
  t.equal(patch.v, 2)
  t.notOk(page.frames.some((f) => f.t === 'reply' && f.ref === 2), 'the reply has not come yet')
  gate.resolve()
  const done = await reply
  t.match(done, { t: 'reply', v: 3 })
  t.match(page.html(), /saving=false saved=1/)
})

t.test('the loading property is false again when the handler throws', async (t) => {
  const app = await buildApp(t, [['/save', SaveView]])
  const page = await openLive(app, '/save')
  t.teardown(() => page.close())
  const busy = page.next((f) => f.t === 'patch')
  const answer = page.event('fail')
  t.match(await shownAfter(page, busy), /saving=true/)
  gate.resolve()
  t.match(await answer, { t: 'error', code: 'handler_error', handler: 'fail' })
  const patches = page.frames.filter((f) => f.t === 'patch')
  t.equal(patches.length, 2)
  t.equal(patches[1]!.v, 3, 'a second patch turns it off')
  t.ok(page.frames.indexOf(patches[1]!) < page.frames.indexOf((await answer)), 'before the error')
  t.match(page.html(), /saving=false/)
})

t.test('a refused call never shows loading', async (t) => {
  const app = await buildApp(t, [['/save', SaveView]])
  const page = await openLive(app, '/save')
  t.teardown(() => page.close())
  t.match(await page.event('strict', { n: 'x' }), { t: 'error', code: 'invalid_params' })
  t.notOk(page.frames.some((f) => f.t === 'patch'))
  t.match(page.html(), /saving=false/)
})
