import t from 'tap'
import type { ConsoleMessage, Page } from 'playwright-core'
import { LiveView, eventHandler, optimistic } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

// Outside production (debug mode, the default) the bundle writes every
// live:error to the console, and warns once per element and attribute about
// a live-optimistic action it does not know. Production pages stay quiet.

class ConsoleView extends LiveView {
  static override template = 'dev-console.njk'
  count = 0

  @optimistic @eventHandler()
  save () { this.count += 1 }
}

const browser = await launchBrowser(t)

interface Line { type: string, text: string }

/** The page, and every console line it writes from the start (its type and text). */
async function open (t: { teardown (fn: () => unknown): void }, debug: boolean): Promise<{ page: Page, lines: Line[] }> {
  const { url } = await serve(t, [['/console', ConsoleView]], { debug })
  const lines: Line[] = []
  const page = await openChromiumPage(t, browser, `${url}/console`)
  page.on('console', (m: ConsoleMessage) => lines.push({ type: m.type(), text: m.text() }))
  return { page, lines }
}

/** Console lines arrive in order: once this marker is seen, every line written before it is in `lines`. */
async function settled (page: Page, lines: Line[]): Promise<Line[]> {
  const marker = `-- marker ${Math.random()} --`
  const seen = page.waitForEvent('console', (m) => m.text() === marker)
  await page.evaluate((marker) => console.log(marker), marker)
  await seen
  return lines.filter((l) => l.text.startsWith('live:'))
}

async function clickAndWait (page: Page, selector: string, count: string): Promise<void> {
  await page.click(selector)
  await page.waitForFunction((count) => document.querySelector('#count')!.textContent === count, count)
}

t.test('in development every live:error is written to the console', async (t) => {
  const { page, lines } = await open(t, true)
  // (not any error: the page's missing favicon is one too)
  const error = page.waitForEvent('console', (m) => m.type() === 'error' && m.text().startsWith('live:'))
  await page.click('#missing')
  const message = await error
  t.match(message.text(), /^live: unknown_handler in noSuchMethod\(\): .*noSuchMethod/, `the code, the handler and the server's message: ${message.text()}`)
  await page.click('#missing')
  const logged = await settled(page, lines)
  t.equal(logged.filter((l) => l.type === 'error').length, 2, 'every error, not only the first')
})

t.test('in development an unknown live-optimistic action is warned about once, naming the element and the attribute', async (t) => {
  const { page, lines } = await open(t, true)
  await clickAndWait(page, '#fuzzy', '1')
  await clickAndWait(page, '#fuzzy', '2')
  await clickAndWait(page, 'button.save', '3')
  const warns = (await settled(page, lines)).filter((l) => l.type === 'warning')
  t.equal(warns.length, 2, `one warning per element, however many clicks: ${JSON.stringify(warns)}`)
  t.match(warns[0]!.text, /^live: button#fuzzy: ignoring the unknown live-optimistic actions "add-clas", "fade-out" \(known: add-class,/)
  t.match(warns[1]!.text, /^live: button\.save\.plain: ignoring the unknown live-optimistic action "blink"/, 'an element without an id is named by its classes')
})

t.test('the known actions of the same attribute still apply', async (t) => {
  const { page } = await open(t, true)
  // the server's reply resets them: look while the event is in flight
  const state = await page.evaluate(() => {
    const el = document.getElementById('fuzzy')!
    el.click()
    return el.getAttribute('data-state')
  })
  t.equal(state, 'saving')
})

t.test('production pages write none of it', async (t) => {
  const { page, lines } = await open(t, false)
  await forgetRecorded(page)
  await page.click('#missing')
  // replies come in order: the error came before the count changed
  await clickAndWait(page, '#fuzzy', '1')
  await clickAndWait(page, 'button.save', '2')
  // loose live-debounce / live-throttle fall back to the handler's policy (none: at once) without a word
  await page.fill('#loose', 'x')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '3')
  t.match(await liveEvents(page, 'live:error'), [{ detail: { code: 'unknown_handler' } }], 'the error reached the page')
  t.same(await settled(page, lines), [], 'no live: line in the console')
})
