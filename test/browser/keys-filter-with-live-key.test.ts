import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

/** What the server received, in order. */
let calls: Array<{ handler: string, type: string, params: Record<string, unknown> }> = []

class KeysView extends LiveView {
  static override template = 'core-keys.njk'
  n = 0

  @eventHandler({ params: { key: { type: 'string' }, value: { type: 'string' }, box: { type: 'string' } } })
  down (params: Record<string, unknown>, event: LiveEvent) { this.note('down', params, event) }

  @eventHandler({ params: ['key', 'value'] })
  up (params: Record<string, unknown>, event: LiveEvent) { this.note('up', params, event) }

  note (handler: string, params: Record<string, unknown>, event: LiveEvent) {
    calls.push({ handler, type: event.type, params })
    this.n += 1
  }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { calls = [] })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/keys', KeysView]])
  const page = await openChromiumPage(t, browser, `${url}/keys`)
  // Replies come in order: once the nth is shown, anything sent before it has been handled too.
  const shown = (n: number) => page.waitForFunction((n) => Number(document.querySelector('#echo')!.textContent) >= n, n)
  return { page, shown }
}

t.test('live-key="Enter" fires only for Enter, with the key and the value', async (t) => {
  const { page, shown } = await open(t)
  await page.type('#enter', 'ab')
  await page.press('#enter', 'Shift')
  await page.press('#enter', 'Enter')
  await shown(1)
  t.same(calls, [{ handler: 'down', type: 'keydown', params: { box: 'enter', key: 'Enter', value: 'ab' } }])
  await page.type('#enter', 'c')
  await page.press('#enter', 'Enter')
  await shown(2)
  t.same(calls.map((c) => c.params.value), ['ab', 'abc'], 'each Enter sends the value at that moment')
})

t.test('live-key matches regardless of case, on keyup too', async (t) => {
  const { page, shown } = await open(t)
  await page.type('#escape', 'xy')
  await page.press('#escape', 'Escape')
  await shown(1)
  t.same(calls, [{ handler: 'up', type: 'keyup', params: { key: 'Escape', value: 'xy' } }])
})

t.test('without live-key every key fires, after the keystroke changed the value', async (t) => {
  const { page, shown } = await open(t)
  await page.type('#every', 'ab')
  await page.press('#every', 'Backspace')
  await shown(3)
  t.same(calls.map((c) => c.params), [
    { key: 'a', value: 'a' },
    { key: 'b', value: 'ab' },
    { key: 'Backspace', value: 'a' },
  ])
  t.ok(calls.every((c) => c.type === 'keyup'))
})

t.test('a key binding on an element that is not a control sends the key and its data-*, no value', async (t) => {
  const { page, shown } = await open(t)
  await page.focus('#pad')
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowDown')
  await shown(2)
  t.same(calls.map((c) => c.params), [{ box: 'pad', key: 'ArrowUp' }, { box: 'pad', key: 'ArrowDown' }])
})
