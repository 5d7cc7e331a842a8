import t from 'tap'
import { launchBrowser, openChromiumPage, serve } from '../helpers/browser.js'
import { userEvents } from '../helpers/recorder.js'
import { dropSockets, quietUntil, sent, SLACK, texts, waitReconnected } from '../helpers/policy.js'
import { DebounceView, calls, resetCalls } from '../fixtures/policy-views.js'

// A debounce pending when the socket drops belongs to a session that is gone:
// it is dropped, and never sent to the view mounted after the reconnect.

const browser = await launchBrowser(t)
t.beforeEach(() => resetCalls())

t.test('a debounce pending when the socket drops is never sent, not even after the reconnect', async (t) => {
  const { app, url } = await serve(t, [['/debounce', DebounceView]], { debug: false })
  const page = await openChromiumPage(t, browser, `${url}/debounce`)
  await page.type('#late', 'stale', { delay: 10 })
  const lastInput = (await userEvents(page, 'input', 'late')).at(-1)!
  dropSockets(app)
  const rejoined = await waitReconnected(page)
  // The test means something only if the page was back before the 1200 ms timer would fire.
  t.ok(rejoined < lastInput.mono + 1200, `reconnected ${rejoined - lastInput.mono} ms after the last keystroke, before the wait was up`)

  await quietUntil(page, 1200 + 150, lastInput.mono)
  t.same(await sent(page), [], 'the stale value was never sent')
  t.same(calls, [], 'the server never received it')
  t.same(await texts(page, '#log li'), [], 'the page shows nothing for it')

  // The new session works as usual.
  await page.fill('#late', 'fresh')
  await page.waitForSelector('#log li')
  t.same((await sent(page)).map((s) => s.p.value), ['fresh'])
  t.same(calls.map((c) => [c.h, c.p.value]), [['late', 'fresh']], 'only the value typed after the reconnect arrived')
  t.same(await texts(page, '#log li'), ['late fresh'])
})
