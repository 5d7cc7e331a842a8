import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler()
  increment () { this.count += 1 }
}

t.test('a click increments the counter', async (t) => {
  const app = await buildApp(t, [['/counter', CounterView]])
  const page = await openLive(app, '/counter')
  t.match(page.html(), /Count: <span id="count">0<\/span>/)
  const reply = await page.event('increment')
  t.equal(reply.t, 'reply')
  t.match(page.html(), /Count: <span id="count">1<\/span>/)
  page.close()
})
