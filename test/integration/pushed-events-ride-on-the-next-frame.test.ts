import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { MAX_PUSHED } from '../../lib/session.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class PushView extends LiveView {
  static override template = 'pushes.njk'
  n = 0

  override mount () {
    // Not connected yet: dropped, like push().
    this.pushEvent('early', {})
  }

  @eventHandler()
  bump () {
    this.n += 1
    this.pushEvent('bumped', { n: this.n })
    this.pushEvent('again')
  }

  @eventHandler()
  async slowQuiet () {
    this.pushEvent('quiet', [1, 2])
    await new Promise((resolve) => setImmediate(resolve))
  }

  @eventHandler()
  fromTimer () {
    setTimeout(() => {
      this.n += 1
      this.pushEvent('tick', { n: this.n })
      void this.push()
    }, 1)
  }

  @eventHandler()
  quietTimer () {
    setTimeout(() => this.pushEvent('tick', 'alone'), 1)
  }

  @eventHandler()
  flood () {
    for (let k = 0; k < MAX_PUSHED + 5; k++) this.pushEvent('k', k)
  }

  @eventHandler({ params: ['what'] })
  wrong (params: { what: string }) {
    if (params.what === 'name') this.pushEvent('no spaces', 1)
    else this.pushEvent('date', { at: new Date(0) })
  }
}

t.test('events of a handler ride on its reply, in order, after its render', async (t) => {
  const app = await buildApp(t, [['/p', PushView]])
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const reply = await page.event('bump')
  t.equal(reply.t, 'reply')
  t.same(reply.ev, [['bumped', { n: 1 }], ['again', null]], 'a payload left out is null')
  t.match(page.html(), /n: 1/)
  t.notOk(page.frames.some((f) => JSON.stringify(f).includes('early')), 'an event pushed in mount() before the join is dropped')
})

t.test('an async handler that renders nothing new still carries its events on the reply', async (t) => {
  const app = await buildApp(t, [['/p', PushView]])
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const reply = await page.event('slowQuiet')
  t.same(reply.ev, [['quiet', [1, 2]]])
  await page.event('bump') // answered after anything the first call could still send
  t.notOk(page.frames.some((f) => f.t === 'push'), 'and no push frame follows')
})

t.test('pushEvent then push() from a timer: the events ride on the patch', async (t) => {
  const app = await buildApp(t, [['/p', PushView]])
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  await page.event('fromTimer')
  const patch = await page.next((f) => f.t === 'patch')
  t.same(patch.ev, [['tick', { n: 1 }]])
})

t.test('pushEvent from a timer with nothing rendered: the events go alone, in a push frame', async (t) => {
  const app = await buildApp(t, [['/p', PushView]])
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  await page.event('quietTimer')
  const push = await page.next((f) => f.t === 'push')
  t.same(push, { t: 'push', id: page.roots[0]!.id, ev: [['tick', 'alone']] })
})

t.test(`at most ${MAX_PUSHED} events wait for a frame; the oldest are dropped`, async (t) => {
  const app = await buildApp(t, [['/p', PushView]])
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const reply = await page.event('flood')
  const ev = reply.ev as Array<[string, number]>
  t.equal(ev.length, MAX_PUSHED)
  t.same([ev[0], ev.at(-1)], [['k', 5], ['k', MAX_PUSHED + 4]])
})

t.test('a bad event name or a payload that is not JSON data fails the handler with the fix', async (t) => {
  const app = await buildApp(t, [['/p', PushView]], { debug: true })
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const name = await page.event('wrong', { what: 'name' })
  t.match(name, { t: 'error', code: 'handler_error', message: /pushEvent\("no spaces"\): the name must be 1 to 64 letters/ })
  const data = await page.event('wrong', { what: 'data' })
  t.match(data, { t: 'error', code: 'handler_error', message: /pushEvent\("date"\): .*Date.*send JSON data/ })
  t.equal((await page.event('bump')).t, 'reply', 'the view stays usable')
})
