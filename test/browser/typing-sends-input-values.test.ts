import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

/** What the server received, in order. */
let calls: Array<{ handler: string, type: string, params: Record<string, unknown> }> = []

class TypingView extends LiveView {
  static override template = 'core-typing.njk'
  echo = ''
  boxes: Record<string, boolean> = {}

  note (handler: string, params: Record<string, unknown>, event: LiveEvent) {
    calls.push({ handler, type: event.type, params })
    this.echo = `${calls.length} ${handler} ${JSON.stringify(params.value)}`
  }

  @eventHandler() typed (p: Record<string, unknown>, e: LiveEvent) { this.note('typed', p, e) }
  @eventHandler() changed (p: Record<string, unknown>, e: LiveEvent) { this.note('changed', p, e) }
  // the template renders the boxes' state, as a view's template would
  @eventHandler() ticked (p: Record<string, unknown>, e: LiveEvent) {
    this.boxes[p.field as string] = p.value !== false
    this.note('ticked', p, e)
  }

  @eventHandler() focused (p: Record<string, unknown>, e: LiveEvent) { this.note('focused', p, e) }
  @eventHandler() blurred (p: Record<string, unknown>, e: LiveEvent) { this.note('blurred', p, e) }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { calls = [] })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/typing', TypingView]])
  const page = await openChromiumPage(t, browser, `${url}/typing`)
  /** Wait until the page shows the server's answer to (at least) its `n`th call. */
  const shown = (n: number) => page.waitForFunction((n) => parseInt(document.querySelector('#echo')!.textContent!) >= n, n)
  return { page, shown }
}

t.test('live-input sends the value on every keystroke, with the data-* params', async (t) => {
  const { page, shown } = await open(t)
  await page.type('#name', 'abc')
  await shown(3)
  t.same(calls, [
    { handler: 'typed', type: 'input', params: { field: 'name', value: 'a' } },
    { handler: 'typed', type: 'input', params: { field: 'name', value: 'ab' } },
    { handler: 'typed', type: 'input', params: { field: 'name', value: 'abc' } },
  ])
  t.equal(await page.textContent('#echo'), '3 typed "abc"', 'the page shows the re-render')
})

t.test('a textarea sends its value, newlines included', async (t) => {
  const { page, shown } = await open(t)
  // (not fill('one\ntwo'): Chromium's insertText fires one input event per line)
  await page.fill('#bio', 'one')
  await shown(1)
  await page.press('#bio', 'Enter')
  await shown(2)
  t.same(calls, [
    { handler: 'typed', type: 'input', params: { field: 'bio', value: 'one' } },
    { handler: 'typed', type: 'input', params: { field: 'bio', value: 'one\n' } },
  ])
  t.equal(await page.inputValue('#bio'), 'one\n', 'the re-render left the focused textarea alone')
})

t.test('live-change fires once the field is committed, not on every keystroke', async (t) => {
  const { page, shown } = await open(t)
  await page.type('#city', 'Oslo')
  await page.press('#city', 'Tab')
  await shown(1)
  t.same(calls, [{ handler: 'changed', type: 'change', params: { value: 'Oslo' } }])
})

t.test('a select sends the chosen value, a multiple select an array', async (t) => {
  const { page, shown } = await open(t)
  await page.selectOption('#size', 'm')
  await shown(1)
  await page.selectOption('#tags', ['a', 'c'])
  await shown(2)
  t.same(calls, [
    { handler: 'changed', type: 'change', params: { value: 'm' } },
    { handler: 'changed', type: 'change', params: { value: ['a', 'c'] } },
  ])
})

t.test('a checkbox sends true or its value when checked, false when not', async (t) => {
  const { page, shown } = await open(t)
  await page.click('#agree')
  await shown(1)
  await page.click('#agree')
  await shown(2)
  await page.click('#color')
  await shown(3)
  await page.click('#color')
  await shown(4)
  t.same(calls.map((c) => c.params), [
    { field: 'agree', value: true }, { field: 'agree', value: false }, { field: 'color', value: 'red' }, { field: 'color', value: false },
  ])
  t.equal(await page.isChecked('#agree'), false)
})

t.test('live-focus and live-blur send the value the field has at that moment', async (t) => {
  const { page, shown } = await open(t)
  await page.focus('#note')
  await shown(1)
  await page.press('#note', 'End')
  await page.keyboard.type(' world')
  await page.focus('#elsewhere')
  await shown(2)
  t.same(calls, [
    { handler: 'focused', type: 'focus', params: { value: 'hello' } },
    { handler: 'blurred', type: 'blur', params: { value: 'hello world' } },
  ])
})
