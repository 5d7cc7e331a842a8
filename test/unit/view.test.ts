import t from 'tap'
import { LiveView } from '../../lib/index.js'
import { publicState, RESERVED_NAMES } from '../../lib/view.js'
import { kRuntime } from '../../lib/symbols.js'

class Plain extends LiveView {
  count = 1
  label = 'x'
  _secret = 'hidden'
}

t.test('the template context is the public own properties', async (t) => {
  const view = new Plain()
  t.same(publicState(view), { count: 1, label: 'x' })
  ;(view as any)[kRuntime] = { hidden: true }
  t.same(publicState(view), { count: 1, label: 'x' }, 'the runtime slot is a symbol and stays out')
})

t.test('before the view is mounted, push is a no-op and tasks cannot start', async (t) => {
  const view = new Plain()
  await t.resolves(view.push())
  t.equal(view.cancelAsync('x'), false)
  t.equal(view.invalidateCache('x'), undefined, 'invalidateCache before the view is connected: nothing cached, nothing to drop')
  t.equal(view.pushEvent('x', 1), undefined, 'pushEvent before the view is connected: nowhere to dispatch')
  t.throws(() => view.startAsync('load', () => {}), { message: /startAsync\("load"\) needs a mounted view/ })
  t.equal(view.mount({} as any), undefined, 'the default mount does nothing')
})

t.test('the lifecycle method names are reserved', async (t) => {
  for (const name of ['mount', 'push', 'startAsync', 'cancelAsync', 'invalidateCache', 'pushEvent', 'handleAsyncResult', 'onClientState', 'constructor']) {
    t.ok(RESERVED_NAMES.has(name), name)
  }
})
