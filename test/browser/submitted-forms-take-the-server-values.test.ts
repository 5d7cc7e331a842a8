import t from 'tap'
import type { Page } from 'playwright-core'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

let views: LiveView[] = []
let received: Array<Record<string, unknown>> = []
/** When set, `add` waits for it (the test releases it). */
let gate: Promise<void> | null = null

class SubmitView extends LiveView {
  static override template = 'core-submit.njk'
  items: string[] = []
  name = 'Ada'
  error = ''
  ticks = 0

  override mount () { views.push(this) }

  @eventHandler({ params: { text: { type: 'string' }, note: { type: 'string' } } })
  async add ({ text, note }: { text: string, note: string }) {
    received.push({ text, note })
    if (gate) await gate
    if (text.trim() === '') {
      this.error = 'write something first'
      throw new Error(this.error)
    }
    this.error = ''
    this.items.push(note ? `${text} (${note})` : text)
  }

  @eventHandler({ params: { name: { type: 'string' } } })
  rename ({ name }: { name: string }) { this.name = name.trim().toUpperCase() }
}

/** Only #messages changes (the server can send just that element), or nothing at all. */
class ChatView extends LiveView {
  static override template = 'core-submit-chat.njk'
  messages: string[] = []
  override mount () { views.push(this) }

  @eventHandler({ params: { text: { type: 'string' } } })
  say ({ text }: { text: string }) { this.messages.push(text) }

  @eventHandler({ params: { text: { type: 'string' } } })
  feedback ({ text }: { text: string }) { received.push({ text }) }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { views = []; received = []; gate = null })

async function open (t: { teardown (fn: () => unknown): void }, path = '/submit') {
  const { url } = await serve(t, [['/submit', SubmitView], ['/chat', ChatView]])
  const page = await openChromiumPage(t, browser, `${url}${path}`)
  return page
}

/** Resolves once the server has received `n` submits. */
const serverReceived = (n: number) => new Promise<void>((resolve) => {
  const check = () => { if (received.length >= n) resolve(); else setImmediate(check) }
  check()
})
const items = (page: Page, n: number) => page.waitForFunction((n) => document.querySelectorAll('#items li').length === n, n)
const focused = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLInputElement
  return { id: el.id, value: el.value }
})

t.test('submitted with Enter, the focused input takes the server\'s (empty) value and keeps focus', async (t) => {
  const page = await open(t)
  await page.fill('#text', 'milk')
  await page.press('#text', 'Enter')
  await items(page, 1)
  t.same(await focused(page), { id: 'text', value: '' }, 'cleared, and ready for the next one')
  await page.keyboard.type('eggs')
  await page.keyboard.press('Enter')
  await items(page, 2)
  t.equal(await page.textContent('#items'), 'milkeggs')
  t.same(await focused(page), { id: 'text', value: '' })
})

t.test('submitted with the button, every field of the form takes the server\'s value', async (t) => {
  const page = await open(t)
  await page.fill('#text', 'bread')
  await page.fill('#note', 'rye')
  await page.click('#add')
  await items(page, 1)
  t.equal(await page.textContent('#item-1'), 'bread (rye)')
  t.equal(await page.inputValue('#text'), '')
  t.equal(await page.inputValue('#note'), '')
})

t.test('a focused field shows the value the server rendered for it', async (t) => {
  const page = await open(t)
  await page.fill('#name', '  grace ')
  await page.press('#name', 'Enter')
  await page.waitForFunction(() => (document.querySelector('#name') as HTMLInputElement).value === 'GRACE')
  t.same(await focused(page), { id: 'name', value: 'GRACE' })
})

t.test('a failed submit keeps what the user typed, focused or not', async (t) => {
  const page = await open(t)
  await forgetRecorded(page)
  await page.fill('#note', 'kept')
  await page.fill('#text', '   ')
  await page.press('#text', 'Enter')
  await page.waitForFunction(() => (window as any).__live.events.some((e: { name: string }) => e.name === 'live:error'))
  t.same((await liveEvents(page, 'live:error')).map((e) => e.detail.code), ['handler_error'])
  t.equal(await page.textContent('#error'), 'write something first', 'the state changed before the throw is shown')
  t.same(await focused(page), { id: 'text', value: '   ' })
  t.equal(await page.inputValue('#note'), 'kept')
})

t.test('only the submitted form is released: a field focused elsewhere keeps its value', async (t) => {
  const page = await open(t)
  let release!: () => void
  gate = new Promise((resolve) => { release = resolve })
  await page.fill('#text', 'tea')
  await page.click('#add')
  await serverReceived(1)
  // the user moves on while the submit is in flight
  await page.fill('#other', 'typing elsewhere')
  release()
  await items(page, 1)
  t.same(await focused(page), { id: 'other', value: 'typing elsewhere' })
  t.equal(await page.inputValue('#text'), '')
})

t.test('after the submit, the input is protected again while the user types', async (t) => {
  const page = await open(t)
  await page.fill('#text', 'one')
  await page.press('#text', 'Enter')
  await items(page, 1)
  await page.keyboard.type('tw')
  const view = views.at(-1) as SubmitView
  view.ticks = 1
  await view.push()
  await page.waitForFunction(() => document.querySelector('#ticks')!.textContent === '1')
  t.same(await focused(page), { id: 'text', value: 'tw' })
})

t.test('the form is reset even when the reply changed only another part of the page', async (t) => {
  const page = await open(t, '/chat')
  await page.fill('#say', 'hello')
  await page.press('#say', 'Enter')
  await page.waitForFunction(() => document.querySelectorAll('#messages li').length === 1)
  t.same(await focused(page), { id: 'say', value: '' })
})

t.test('the form is reset even when the submit changed nothing on the page', async (t) => {
  const page = await open(t, '/chat')
  await page.fill('#feedback', 'nice demo')
  await page.press('#feedback', 'Enter')
  await serverReceived(1)
  // the form is live-pending until its reply has been applied
  await page.waitForFunction(() => !document.querySelector('#feedback-form')!.classList.contains('live-pending'))
  t.same(received, [{ text: 'nice demo' }])
  t.same(await focused(page), { id: 'feedback', value: '' })
})
