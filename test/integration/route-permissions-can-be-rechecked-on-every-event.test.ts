import t, { type Test } from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

let increments = 0

class AdminView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { increments++; this.count++ }
}

/** What the user is granted now: the app's session store, which an admin can change at any time. */
const granted = new Set<string>()

async function setUp (t: Test, recheckPermissions?: 'join' | 'every-event') {
  increments = 0
  granted.clear()
  granted.add('admin.view')
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], {
    permissions: () => [...granted],
    ...(recheckPermissions === undefined ? {} : { recheckPermissions }),
  })
  const page = await openLive(app, '/admin')
  t.teardown(() => page.close())
  t.match(await page.event('increment'), { t: 'reply', v: 2 }, 'granted: the event runs')
  granted.delete('admin.view')
  return page
}

t.test("recheckPermissions: 'every-event' refuses an event once the route permission is revoked", async (t) => {
  const page = await setUp(t, 'every-event')
  t.match(await page.event('increment'), { t: 'error', code: 'forbidden', message: /the route requires the permission "admin\.view"/ })
  t.equal(increments, 1, 'the handler did not run')
  granted.add('admin.view')
  t.match(await page.event('increment'), { t: 'reply', v: 3 }, 'granted again: it runs again')
})

t.test('by default route permissions are checked at the join only', async (t) => {
  const page = await setUp(t)
  t.match(await page.event('increment'), { t: 'reply', v: 3 }, 'the joined view keeps working after the revocation')
  t.equal(increments, 2)
})

t.test("'join' is the default, said explicitly", async (t) => {
  const page = await setUp(t, 'join')
  t.match(await page.event('increment'), { t: 'reply', v: 3 })
})
