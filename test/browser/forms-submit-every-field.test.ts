import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

/** What the server received, in order. */
let calls: Array<{ handler: string, type: string, params: Record<string, unknown> }> = []

class FormView extends LiveView {
  static override template = 'core-form.njk'
  saved = 0

  @eventHandler()
  save (params: Record<string, unknown>, event: LiveEvent) {
    calls.push({ handler: 'save', type: event.type, params })
    this.saved += 1
  }
}

/** The form exactly as the template renders it. */
const DEFAULTS = {
  title: 'Hello',
  body: 'Some text',
  qty: '3',
  token: 'abc',
  size: 'm',
  tags: ['a', 'c'],
  empty: [],
  agree: true,
  colors: ['red', 'blue'],
  single: 'yes',
  plan: 'pro',
}

const browser = await launchBrowser(t)
t.beforeEach(() => { calls = [] })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/form', FormView]])
  const page = await openChromiumPage(t, browser, `${url}/form`)
  // a navigation would drop this
  await page.evaluate(() => { (window as any).__samePage = true })
  const saved = (n: number) => page.waitForFunction((n) => Number(document.querySelector('#saved')!.textContent) >= n, n)
  return { page, url, saved }
}

t.test('a submit sends every named, enabled field and the submit button, and does not navigate', async (t) => {
  const { page, url, saved } = await open(t)
  await page.click('#save')
  await saved(1)
  t.same(calls, [{ handler: 'save', type: 'submit', params: { ...DEFAULTS, action: 'save' } }])
  t.equal(page.url(), `${url}/form`, 'no navigation')
  t.equal(await page.evaluate(() => (window as any).__samePage), true, 'still the same document')
})

t.test('the button that submitted is the one sent', async (t) => {
  const { page, saved } = await open(t)
  await page.click('#draft')
  await saved(1)
  t.same(calls[0]!.params, { ...DEFAULTS, action: 'draft' })
})

t.test('Enter in a text field submits, with the default button as submitter', async (t) => {
  const { page, saved } = await open(t)
  await page.press('#title', 'Enter')
  await saved(1)
  t.same(calls[0]!.params, { ...DEFAULTS, action: 'save' })
  await page.press('#q', 'Enter')
  await saved(2)
  t.same(calls[1]!.params, { q: 'x' }, 'a button without a name adds nothing')
})

t.test('the user\'s changes are what is sent', async (t) => {
  const { page, saved } = await open(t)
  await page.fill('#title', 'Changed')
  await page.fill('#body', 'New body')
  await page.selectOption('#size', 's')
  await page.selectOption('#tags', ['b'])
  await page.uncheck('#agree')
  await page.check('#news')
  await page.uncheck('#blue')
  await page.check('#free')
  await page.click('#save')
  await saved(1)
  const { agree, ...rest } = DEFAULTS
  t.same(calls[0]!.params, {
    ...rest,
    title: 'Changed',
    body: 'New body',
    size: 's',
    tags: ['b'],
    news: true,
    colors: ['red'],
    plan: 'free',
    action: 'save',
  }, 'an unchecked box is left out; one checked box of several with one name is still a list')
})

t.test('with every box of a name unchecked, the name is left out', async (t) => {
  const { page, saved } = await open(t)
  await page.uncheck('#red')
  await page.uncheck('#blue')
  await page.uncheck('#agree')
  await page.click('#save')
  await saved(1)
  const { colors, agree, ...rest } = DEFAULTS
  t.same(calls[0]!.params, { ...rest, action: 'save' })
  t.notOk('colors' in calls[0]!.params)
})
