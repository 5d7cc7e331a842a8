import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

/** The mounted views (the HTTP render's instance is the one the page joins). */
let views: FocusView[] = []
let calls: Array<{ handler: string, params: Record<string, unknown> }> = []

class FocusView extends LiveView {
  static override template = 'core-focus.njk'
  ticks = 0
  news: string[] = []
  typed = ''
  area = ''
  other = 'initial'
  noid = ''
  on = false

  override mount () { views.push(this) }

  @eventHandler()
  typed (params: { value: string }) {
    calls.push({ handler: 'typed', params })
    this.typed = params.value
  }

  @eventHandler()
  typedArea (params: { value: string }) {
    calls.push({ handler: 'typedArea', params })
    this.area = params.value
  }

  @eventHandler()
  toggle () { this.on = !this.on }

  @eventHandler()
  fillOther () { this.other = 'from the server' }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { views = []; calls = [] })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/focus', FocusView]])
  const page = await openChromiumPage(t, browser, `${url}/focus`)
  return { page, view: views.at(-1)! }
}

/** A server-initiated render (as a timer would do), applied by the page. */
async function tick (page: Page, view: FocusView, change: (v: FocusView) => void = () => {}) {
  view.ticks += 1
  change(view)
  await view.push()
  await page.waitForFunction((n) => document.querySelector('#ticks')!.textContent === String(n), view.ticks)
}

const focusState = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLInputElement
  return { id: el.id, value: el.value, start: el.selectionStart, end: el.selectionEnd }
})

t.test('a push while the user types keeps focus, caret and the typed value', async (t) => {
  const { page, view } = await open(t)
  const b = await page.$('#b')
  await page.fill('#b', '')
  await page.keyboard.type('hello world')
  await page.evaluate(() => (document.activeElement as HTMLInputElement).setSelectionRange(5, 5))
  await tick(page, view)
  t.same(await focusState(page), { id: 'b', value: 'hello world', start: 5, end: 5 })
  t.ok(await b!.evaluate((el) => el.isConnected), 'the same element, not a replacement')
  await page.keyboard.type(',')
  t.equal(await page.inputValue('#b'), 'hello, world', 'typing goes on at the caret')
  // a selection survives too
  await page.evaluate(() => (document.activeElement as HTMLInputElement).setSelectionRange(2, 8))
  await tick(page, view, (v) => { v.news = ['one', 'two'] })
  t.same(await focusState(page), { id: 'b', value: 'hello, world', start: 2, end: 8 })
  t.equal(await page.textContent('#news'), 'onetwo', 'the rest of the page was patched')
})

t.test('a push that changes the focused input\'s server value does not overwrite what the user typed', async (t) => {
  const { page, view } = await open(t)
  await page.fill('#b', '')
  await page.keyboard.type('mine')
  await page.evaluate(() => (document.activeElement as HTMLInputElement).setSelectionRange(2, 2))
  await tick(page, view, (v) => { v.other = 'the server\'s' })
  t.same(await focusState(page), { id: 'b', value: 'mine', start: 2, end: 2 })
})

t.test('rows inserted before the focused input\'s row keep its focus, caret and value', async (t) => {
  const { page, view } = await open(t)
  await page.focus('#c')
  await page.keyboard.type('abcdef')
  await page.evaluate(() => (document.activeElement as HTMLInputElement).setSelectionRange(3, 3))
  await tick(page, view, (v) => { v.news = ['a', 'b', 'c'] })
  t.same(await focusState(page), { id: 'c', value: 'abcdef', start: 3, end: 3 })
  t.equal(await page.evaluate(() => document.querySelectorAll('#feed .row').length), 4)
})

t.test('a focused input without an id keeps focus, caret and value when the page around it changes', async (t) => {
  const { page, view } = await open(t)
  await page.focus('input[name=noid]')
  await page.keyboard.type('abcdef')
  await page.evaluate(() => (document.activeElement as HTMLInputElement).setSelectionRange(3, 3))
  await tick(page, view, (v) => { v.news = ['a', 'b', 'c'] })
  const state = await page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement
    return { name: el.name, value: el.value, start: el.selectionStart }
  })
  t.same(state, { name: 'noid', value: 'abcdef', start: 3 })
})

t.test('typing into an input whose handler re-renders it keeps every keystroke and the caret', async (t) => {
  const { page } = await open(t)
  await page.focus('#a')
  // each keystroke's reply renders value="…" of an earlier keystroke while later ones are typed
  await page.keyboard.type('abcdefgh')
  await page.waitForFunction(() => document.querySelector('#preview')!.textContent === 'abcdefgh')
  t.same(await focusState(page), { id: 'a', value: 'abcdefgh', start: 8, end: 8 })
  t.same(calls.map((c) => c.params.value), ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh'])
  // editing in the middle
  await page.keyboard.press('Home')
  await page.keyboard.press('ArrowRight')
  await page.keyboard.press('ArrowRight')
  await page.keyboard.type('XY')
  await page.waitForFunction(() => document.querySelector('#preview')!.textContent === 'abXYcdefgh')
  t.same(await focusState(page), { id: 'a', value: 'abXYcdefgh', start: 4, end: 4 })
})

t.test('a textarea keeps its value and caret while its handler re-renders it', async (t) => {
  const { page, view } = await open(t)
  await page.focus('#t')
  await page.keyboard.type('line one')
  await page.keyboard.press('Enter')
  await page.keyboard.type('two')
  // the server's render of the last keystroke has been applied
  await page.waitForFunction(() => document.querySelector('#t')!.textContent === 'line one\ntwo')
  await page.evaluate(() => (document.activeElement as HTMLTextAreaElement).setSelectionRange(4, 4))
  await tick(page, view)
  t.same(await focusState(page), { id: 't', value: 'line one\ntwo', start: 4, end: 4 })
})

t.test('an input that is not focused shows the server\'s value, even after the user edited it', async (t) => {
  const { page, view } = await open(t)
  await page.fill('#b', 'user text')
  await page.focus('#a')
  await page.click('#fill')
  await page.waitForFunction(() => (document.querySelector('#b') as HTMLInputElement).value === 'from the server')
  t.equal(await page.getAttribute('#b', 'value'), 'from the server')
  // and from a push while the user types elsewhere
  await page.focus('#a')
  await page.keyboard.type('xyz')
  await page.waitForFunction(() => document.querySelector('#preview')!.textContent === 'xyz')
  await tick(page, view, (v) => { v.other = 'pushed' })
  t.equal(await page.inputValue('#b'), 'pushed')
  t.same(await focusState(page), { id: 'a', value: 'xyz', start: 3, end: 3 })
})

t.test('a clicked (so focused) button gets its new label', async (t) => {
  const { page } = await open(t)
  await page.click('#toggle')
  await page.waitForFunction(() => document.querySelector('#toggle')!.textContent === 'On')
  t.equal(await page.evaluate(() => document.activeElement!.id), 'toggle', 'the button is the focused element')
  await page.click('#toggle')
  await page.waitForFunction(() => document.querySelector('#toggle')!.textContent === 'Off')
  t.pass('and again')
})
