import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'

let calls: string[] = []

class IgnoreView extends LiveView {
  static override template = 'core-ignore.njk'
  count = 0
  widget = true

  @eventHandler()
  increment () {
    calls.push('increment')
    this.count += 1
  }

  @eventHandler()
  dropWidget () { this.widget = false }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { calls = [] })

async function open (t: { teardown (fn: () => unknown): void }) {
  const { url } = await serve(t, [['/ignore', IgnoreView]])
  const page = await openChromiumPage(t, browser, `${url}/ignore`)
  const count = (n: number) => page.waitForFunction((n) => document.querySelector('#count')!.textContent === String(n), n)
  return { page, count }
}

t.test('a live-ignore subtree keeps its first render while the rest of the page is patched', async (t) => {
  const { page, count } = await open(t)
  await page.click('#inc')
  await count(1)
  await page.click('#inc')
  await count(2)
  t.equal(await page.textContent('#kept-text'), '0', 'its text is the first render\'s')
  t.equal(await page.getAttribute('#kept', 'class'), 'server-0', 'and so are its own attributes')
  t.equal(await page.getAttribute('#kept-input', 'value'), 'server 0')
  t.equal(await page.textContent('#inner'), 'inner 0')
})

t.test('what page scripts put inside a live-ignore element survives patches', async (t) => {
  const { page, count } = await open(t)
  await page.evaluate(() => {
    // as a third-party widget would
    const w = document.querySelector('#widget')!
    w.innerHTML = '<canvas id="chart"></canvas><p id="legend">legend</p>'
    w.setAttribute('data-state', 'open')
    ;(window as any).__chart = document.querySelector('#chart')
  })
  await page.fill('#kept-input', 'typed by the user')
  await page.focus('#inc')
  await page.click('#inc')
  await count(1)
  t.equal(await page.evaluate(() => (window as any).__chart === document.querySelector('#chart')), true, 'the same canvas element')
  t.equal(await page.textContent('#legend'), 'legend')
  t.equal(await page.getAttribute('#widget', 'data-state'), 'open')
  t.equal(await page.inputValue('#kept-input'), 'typed by the user', 'an input inside keeps the user\'s value though it is not focused')
})

t.test('bindings inside a live-ignore subtree still call their handlers', async (t) => {
  const { page, count } = await open(t)
  await page.click('#inner')
  await count(1)
  t.same(calls, ['increment'])
  t.equal(await page.textContent('#inner'), 'inner 0', 'the ignored button itself is not patched')
})

t.test('the server can still remove a live-ignore element', async (t) => {
  const { page } = await open(t)
  await page.evaluate(() => { document.querySelector('#widget')!.innerHTML = '<p>client content</p>' })
  await page.click('#drop')
  await page.waitForSelector('#widget', { state: 'detached' })
  t.equal(await page.textContent('#count'), '0')
  t.equal(await page.textContent('#kept-text'), '0', 'the other ignored subtree is still there')
})
