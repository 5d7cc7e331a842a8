import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler, loading } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'
import { deferred } from '../helpers/deferred.js'

// The element side of an event in flight: live-pending and aria-busy on the
// element, and live-disable-with disabling it and swapping its text, kept
// through the @loading patch that arrives meanwhile, restored after the reply
// or the error, whatever the element held (text, an <svg>, an <i> icon).

let held = deferred()
let calls: Array<{ handler: string, params: Record<string, unknown> }> = []

class DisableView extends LiveView {
  static override template = 'ui-disable.njk'
  isSaving = false
  saved = 0
  sent = ''

  // Every handler here is @loading, so a patch morphs the page while the element waits.
  @loading('isSaving') @eventHandler()
  async save (params: Record<string, unknown>) {
    calls.push({ handler: 'save', params })
    await held.promise
    this.saved++
  }

  @loading('isSaving') @eventHandler()
  async fail (params: Record<string, unknown>) {
    calls.push({ handler: 'fail', params })
    await held.promise
    throw new Error('no space left')
  }

  @loading('isSaving') @eventHandler({ params: ['title'] })
  async submit (params: { title: string }) {
    calls.push({ handler: 'submit', params })
    await held.promise
    this.sent = params.title
  }
}

const browser = await launchBrowser(t)
const { url } = await serve(t, [['/disable', DisableView]])

t.beforeEach(() => {
  held = deferred()
  calls = []
})

interface Look { text: string, value: string, disabled: boolean, pending: boolean, busy: string | null }
const look = async (page: Page, selector: string): Promise<Look> => await page.$eval(selector, (el) => ({
  text: el.textContent!,
  value: (el as HTMLInputElement).value ?? '',
  disabled: (el as HTMLButtonElement).disabled,
  pending: el.classList.contains('live-pending'),
  busy: el.getAttribute('aria-busy'),
}))
/** The @loading patch has been applied: the page was morphed while the event waits. */
const loadingShown = async (page: Page) => await page.waitForFunction(() => document.getElementById('saving')!.textContent === 'true')

t.test('a button outside a form is disabled with the swapped text while in flight, then restored', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/disable`)
  t.match(await look(page, '#plain'), { text: 'Save 0', disabled: false, pending: false, busy: null })
  await page.click('#plain')
  await loadingShown(page)
  t.match(await look(page, '#plain'), { text: 'Saving…', disabled: true, pending: true, busy: 'true' }, 'kept through the loading patch')
  t.match(await look(page, '#svg'), { disabled: false, pending: false, busy: null }, 'another button of the same handler is untouched')
  t.same(calls, [{ handler: 'save', params: {} }])

  held.resolve()
  await page.waitForFunction(() => document.getElementById('saved')!.textContent === '1')
  t.match(await look(page, '#plain'), { text: 'Save 1', disabled: false, pending: false, busy: null }, 'restored to the server\'s latest label')
})

t.test('the element is restored after an error, and an <i> icon comes back', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/disable`)
  await forgetRecorded(page)
  const icon = await page.$eval('#icon', (el) => el.innerHTML)
  t.equal(icon, '<i class="icon-trash"></i>')
  await page.click('#icon')
  await loadingShown(page)
  t.match(await look(page, '#icon'), { text: 'Wait', disabled: true, pending: true, busy: 'true' })
  t.equal(await page.$('#icon i'), null, 'the icon is swapped out while in flight')

  held.resolve()
  await page.waitForFunction(() => (window as any).__live.events.some((e: any) => e.name === 'live:error'))
  t.match(await liveEvents(page, 'live:error'), [{ detail: { code: 'handler_error', handler: 'fail' } }])
  t.match(await look(page, '#icon'), { text: '', disabled: false, pending: false, busy: null })
  t.equal(await page.$eval('#icon', (el) => el.innerHTML), icon, 'the icon is back')
  t.equal(await page.textContent('#saving'), 'false')
})

t.test('an <svg> icon survives the swap as an SVG element', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/disable`)
  await page.click('#svg')
  await loadingShown(page)
  t.match(await look(page, '#svg'), { text: 'Saving…', disabled: true, pending: true, busy: 'true' })
  t.equal(await page.$('#svg-icon'), null)

  held.resolve()
  await page.waitForFunction(() => document.getElementById('saved')!.textContent === '1')
  t.match(await look(page, '#svg'), { text: ' Save', disabled: false, pending: false, busy: null })
  t.same(await page.$eval('#svg-icon', (el) => ({
    ns: el.namespaceURI,
    parent: el.parentElement!.id,
    path: el.firstElementChild?.getAttribute('d'),
    width: el.getBoundingClientRect().width,
  })), { ns: 'http://www.w3.org/2000/svg', parent: 'svg', path: 'M0 0h10v10z', width: 10 })
})

t.test('a form submit disables its submit button and submit input, and the typed field survives', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/disable`)
  await page.fill('#title', 'hello')
  await page.click('#submit')
  await loadingShown(page)
  t.match(await look(page, '#submit'), { text: 'Sending…', disabled: true, pending: false }, 'the button')
  t.match(await look(page, '#submit-input'), { value: 'Going…', disabled: true }, 'the submit input')
  t.match(await look(page, '#off'), { text: 'Wait', disabled: true }, 'every marked element of the form')
  t.match(await look(page, '#form'), { pending: true, busy: 'true' }, 'the form is the element in flight')
  t.equal(await page.inputValue('#title'), 'hello', 'the field kept its value through the patch')
  t.same(calls, [{ handler: 'submit', params: { title: 'hello' } }])

  held.resolve()
  await page.waitForFunction(() => document.getElementById('sent')!.textContent === 'hello')
  t.match(await look(page, '#submit'), { text: 'Send', disabled: false, pending: false, busy: null })
  t.match(await look(page, '#submit-input'), { value: 'Go', disabled: false })
  t.match(await look(page, '#form'), { pending: false, busy: null })
  t.match(await look(page, '#off'), { text: 'Off', disabled: true }, 'a button that was disabled before stays disabled')
})

t.test('a live-click button inside a form is disabled and restored without submitting the form', async (t) => {
  const page = await openChromiumPage(t, browser, `${url}/disable`)
  await page.click('#in-form')
  await loadingShown(page)
  t.match(await look(page, '#in-form'), { text: 'Saving…', disabled: true, pending: true, busy: 'true' })
  t.match(await look(page, '#submit'), { text: 'Send', disabled: false }, 'the form\'s own submit button is untouched')

  held.resolve()
  await page.waitForFunction(() => document.getElementById('saved')!.textContent === '1')
  t.match(await look(page, '#in-form'), { text: 'Save in form', disabled: false, pending: false, busy: null })
  t.same(calls.map((c) => c.handler), ['save'], 'only the click was sent, no submit')
})
