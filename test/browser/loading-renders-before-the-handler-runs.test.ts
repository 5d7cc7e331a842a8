import t from 'tap'
import { LiveView, eventHandler, loading } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents, wire } from '../helpers/recorder.js'
import { deferred } from '../helpers/deferred.js'

// @loading: the flag is rendered to the page before the handler body goes on,
// and is false again after, whether the handler returned or threw.

let gates = { save: deferred(), load: deferred(), fail: deferred() }
/** What the server received: each handler as it entered, with the flags it saw. */
let calls: Array<{ handler: string, isSaving: boolean, isLoading: boolean }> = []

class LoadingView extends LiveView {
  static override template = 'ui-loading.njk'
  isSaving = false
  isLoading = false
  saved = 0
  loaded = 0

  #enter (handler: string): void {
    calls.push({ handler, isSaving: this.isSaving, isLoading: this.isLoading })
  }

  @loading('isSaving') @eventHandler()
  async save () {
    this.#enter('save')
    await gates.save.promise
    this.saved++
  }

  @eventHandler() @loading('isLoading')
  async load () {
    this.#enter('load')
    await gates.load.promise
    this.loaded++
  }

  @loading('isSaving') @eventHandler()
  async fail () {
    this.#enter('fail')
    await gates.fail.promise
    throw new Error('disk full')
  }
}

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/loading', LoadingView]])

t.beforeEach(() => {
  gates = { save: deferred(), load: deferred(), fail: deferred() }
  calls = []
})

const text = (id: string) => `document.getElementById('${id}').textContent`

t.test('the flag is shown as true while the handler is still held', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/loading`)
  t.equal(await page.textContent('#saving'), 'false')
  await page.click('#save')
  await page.waitForFunction(`${text('saving')} === 'true'`)
  t.same(calls, [{ handler: 'save', isSaving: true, isLoading: false }], 'the handler entered with the flag set, and is held')
  t.equal(await page.textContent('#saved'), '0', 'the handler body has not gone on')

  const frames = await wire(page)
  const sent = frames.find((f) => f.dir === 'out' && f.frame.t === 'event')!
  t.notOk(frames.some((f) => f.dir === 'in' && f.frame.ref === sent.frame.ref), 'no reply to the event yet')
  t.equal(frames.filter((f) => f.dir === 'in' && f.frame.t === 'patch').length, 1, 'one patch carried the flag')

  gates.save.resolve()
  await page.waitForFunction(`${text('saved')} === '1'`)
  t.equal(await page.textContent('#saving'), 'false', 'false again in the same render as the result')
  const after = await wire(page)
  const reply = after.find((f) => f.dir === 'in' && f.frame.ref === sent.frame.ref)!
  t.equal(reply.frame.t, 'reply')
  t.ok(after.indexOf(reply) > after.indexOf(after.find((f) => f.frame.t === 'patch')!), 'the loading patch came before the reply')
})

t.test('the flag is false again when the handler throws', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/loading`)
  await forgetRecorded(page)
  await page.click('#fail')
  await page.waitForFunction(`${text('saving')} === 'true'`)
  t.same(calls, [{ handler: 'fail', isSaving: true, isLoading: false }])
  gates.fail.resolve()
  await page.waitForFunction(`${text('saving')} === 'false'`)
  await page.waitForFunction(() => (window as any).__live.events.some((e: any) => e.name === 'live:error'))
  t.match(await liveEvents(page, 'live:error'), [{ detail: { code: 'handler_error', handler: 'fail' } }])

  // the view is still usable, and the flag works again
  await page.click('#save')
  await page.waitForFunction(`${text('saving')} === 'true'`)
  gates.save.resolve()
  await page.waitForFunction(`${text('saved')} === '1' && ${text('saving')} === 'false'`)
})

t.test('one view has several loading flags, each on only while its own handler runs', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/loading`)
  // Both in flight: the view's queue runs load after save.
  await page.click('#save')
  await page.click('#load')
  await page.waitForFunction(`${text('saving')} === 'true'`)
  t.equal(await page.textContent('#loading'), 'false', 'load has not started')
  t.same(calls.map((c) => c.handler), ['save'])

  gates.save.resolve()
  await page.waitForFunction(`${text('loading')} === 'true'`)
  t.equal(await page.textContent('#saving'), 'false')
  t.equal(await page.textContent('#saved'), '1')
  t.same(calls, [
    { handler: 'save', isSaving: true, isLoading: false },
    { handler: 'load', isSaving: false, isLoading: true },
  ], 'each handler saw only its own flag')

  gates.load.resolve()
  await page.waitForFunction(`${text('loaded')} === '1'`)
  t.equal(await page.textContent('#loading'), 'false')
  t.equal(await page.textContent('#saving'), 'false')
})
