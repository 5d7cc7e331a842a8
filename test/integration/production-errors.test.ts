import t, { type Test } from 'tap'
import { LiveView, background, eventHandler, permissionRequired } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach } from '../helpers/live.js'

const SECRET_DETAIL = 'password=hunter2 at db.internal:5432'

class LeakyView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @eventHandler() explode () { throw new Error(SECRET_DETAIL) }
  @eventHandler({ params: { n: { type: 'integer' } } }) typed () {}
  @permissionRequired('root') @eventHandler() admin () {}
  @background @eventHandler() async task () { throw new Error(SECRET_DETAIL) }
}

class Guarded extends LiveView {
  static override template = 'counter.njk'
  count = 0
}

/** Nothing of the internals or of user errors: no stack frame, no message, no view or handler names. */
function generic (t: Test, frame: Record<string, unknown>, code: string, message: string): void {
  t.match(frame, { t: 'error', code, message }, code)
  const text = JSON.stringify(frame)
  t.notMatch(text, /hunter2|db\.internal/, `${code}: no user error message`)
  t.notMatch(text, /\bat .+:\d+:\d+|\.ts\b|\.js\b/, `${code}: no stack trace`)
  t.notMatch(String(frame.message), /LeakyView|explode|typed|admin|maxMessageBytes|lv-/, `${code}: no internals`)
}

async function setUp (t: Test) {
  const app = await buildApp(t, [['/leaky', LeakyView], ['/guarded', Guarded, { permissions: 'staff' }]], { debug: false, maxMessageBytes: 256 })
  const page = await openLive(app, '/leaky')
  t.teardown(() => page.close())
  return { app, page }
}

t.test('with debug off, handler errors are generic', async (t) => {
  const { page } = await setUp(t)
  generic(t, await page.event('explode'), 'handler_error', 'Something went wrong.')
  const taskError = page.next((f) => f.t === 'error')
  await page.event('task')
  generic(t, await taskError, 'handler_error', 'Something went wrong.')
})

t.test('with debug off, refusals are generic', async (t) => {
  const { page } = await setUp(t)
  generic(t, await page.event('typed', { n: 'x' }), 'invalid_params', 'The parameters are not valid.')
  generic(t, await page.event('typed', { secret: 1 }), 'invalid_params', 'The parameters are not valid.')
  generic(t, await page.event('nope'), 'unknown_handler', 'There is no such handler.')
  generic(t, await page.event('admin'), 'forbidden', 'You do not have permission to do that.')
  generic(t, await page.send('not json'), 'bad_message', 'The message could not be read.')
  const tooLarge = page.next((f) => f.code === 'too_large')
  page.event('explode', { pad: 'x'.repeat(300) }).catch(() => {})
  generic(t, await tooLarge, 'too_large', 'The message is too large.')
  generic(t, await page.event('explode', {}, { id: 'lv-CCCCCCCCCC' }), 'unknown_view', 'This view is not connected.')
  generic(t, await page.send({ t: 'join', id: page.roots[0]!.id, token: 'forged.token' }), 'join_refused', 'The view could not be joined; reload the page.')
})

t.test('with debug off, the 403 page does not say what is missing', async (t) => {
  const { app } = await setUp(t)
  const res = await app.inject('/guarded')
  t.equal(res.statusCode, 403)
  t.match(res.body, /403 Forbidden/)
  t.notMatch(res.body, /staff|\/guarded requires/)
})

t.test('with debug off, a refused join is generic too', async (t) => {
  const { app } = await setUp(t)
  const open = await buildApp(t, [['/guarded', Guarded]], { debug: false })
  // A page rendered by a server without the route permission, joined where it is required: same secret, same route.
  const res = await open.inject('/guarded')
  const { page, joins } = await attach(app, res.body)
  t.teardown(() => page.close())
  generic(t, joins[0]!, 'forbidden', 'You do not have permission to do that.')
})
