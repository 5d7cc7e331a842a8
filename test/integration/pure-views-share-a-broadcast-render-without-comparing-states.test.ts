import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { LiveView, eventHandler, type LiveViewClass } from '../../lib/index.js'
import { liveStats, openLive, type LivePage } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'

// `static pureHandleInfo = true` promises that handleInfo changes the public
// state only as a function of it and the message, and that nothing outside
// the view's handlers, tasks and push() changes it. A broadcast then lets
// views that were equal at the last one share its render without comparing
// their states; anything else that ran on a view (an event, a task, a push)
// makes it compared again.

/** A count that messages add to; `jump` adds 100. `later` changes it behind the library's back. */
function counterClass (pure: boolean): LiveViewClass & { later: Array<() => void> } {
  class Counter extends LiveView {
    static override template = 'counter.njk'
    static override pureHandleInfo = pure
    static later: Array<() => void> = []
    count = 0
    override mount () {
      this.subscribe('counts')
      // the first view also hears 'extra'
      if (Counter.later.push(() => { this.count += 1000 }) === 1) this.subscribe('extra')
    }

    override handleInfo (_topic: string, message: { n: number }) { this.count += message.n }
    @eventHandler() jump () { this.count += 100 }
    @eventHandler() jumpAndFail () {
      this.count += 100
      throw new Error('after changing the count')
    }
  }
  return Counter
}

async function open (t: Test, app: FastifyInstance, n: number): Promise<LivePage[]> {
  const pages: LivePage[] = []
  for (let i = 0; i < n; i++) {
    const page = await openLive(app, '/c')
    t.teardown(() => page.close())
    pages.push(page)
  }
  return pages
}

/** The count each page shows once its patches are in. */
async function counts (pages: LivePage[], expected: number[]): Promise<number[]> {
  const shown = (page: LivePage): number => Number(/id="count">(\d+)</.exec(page.html())![1])
  await Promise.all(pages.map(async (page, i) => {
    while (shown(page) !== expected[i]) await page.next((f) => f.t === 'patch')
  }))
  return pages.map(shown)
}

/** Publish `{ n: 1 }`; how many renders it cost. */
async function publish (app: FastifyInstance): Promise<number> {
  const before = liveStats(app).renders
  await app.live.publish('counts', { n: 1 })
  return liveStats(app).renders - before
}

t.test('pure views share one render per broadcast; one that handled an event renders its own until it is equal again', async (t) => {
  const Counter = counterClass(true)
  const app = await buildApp(t, [['/c', Counter]])
  const pages = await open(t, app, 3)
  t.equal(await publish(app), 1)
  t.equal(await publish(app), 1, 'equal views: one render')
  t.same(await counts(pages, [2, 2, 2]), [2, 2, 2])

  await pages[2]!.event('jump')
  t.equal(await publish(app), 2, 'the view that jumped renders on its own')
  t.same(await counts(pages, [3, 3, 103]), [3, 3, 103], 'and shows its own count, not the others\'')
  t.equal(await publish(app), 2)
  t.same(await counts(pages, [4, 4, 104]), [4, 4, 104])

  await pages[0]!.event('jump')
  await pages[1]!.event('jump')
  t.equal(await publish(app), 1, 'the three are equal again (compared, since each handled an event): one render')
  t.same(await counts(pages, [105, 105, 105]), [105, 105, 105])

  t.match(await pages[0]!.event('jumpAndFail'), { t: 'error', code: 'handler_error' })
  t.equal(await publish(app), 2, 'a handler that changed the state and threw counts as having changed it')
  t.same(await counts(pages, [206, 106, 106]), [206, 106, 106])
})

t.test('a pure view that heard a message the others did not renders its own on the next broadcast', async (t) => {
  const Counter = counterClass(true)
  const app = await buildApp(t, [['/c', Counter]])
  const pages = await open(t, app, 3)
  t.equal(await publish(app), 1)
  await app.live.publish('extra', { n: 10 })
  t.same(await counts(pages, [11, 1, 1]), [11, 1, 1])
  t.equal(await publish(app), 2, 'the first view is not taken for equal to the others')
  t.same(await counts(pages, [12, 2, 2]), [12, 2, 2])
})

t.test('the promise is taken at its word: a state changed behind the library\'s back is not seen by a pure view\'s broadcast, and is by another', async (t) => {
  for (const pure of [true, false]) {
    const Counter = counterClass(pure)
    const app = await buildApp(t, [['/c', Counter]])
    const pages = await open(t, app, 3)
    await publish(app)
    t.same(await counts(pages, [1, 1, 1]), [1, 1, 1])
    Counter.later[2]!() // the third view's count, changed by no handler, no task, no push()
    await publish(app)
    if (pure) {
      t.same(await counts(pages, [2, 2, 2]), [2, 2, 2], 'pure: the third page shows the render the views share (its own state is 1002)')
    } else {
      t.same(await counts(pages, [2, 2, 1002]), [2, 2, 1002], 'not pure: the states are compared, and the third page renders its own')
    }
  }
})

t.test('while a pure view runs a task, its state is compared: the task may change it between messages', async (t) => {
  const gate = deferred<void>()
  const drifted = deferred<void>()
  class Tasked extends LiveView {
    static override template = 'counter.njk'
    static override pureHandleInfo = true
    count = 0
    override mount () { this.subscribe('counts') }
    override handleInfo (_topic: string, message: { n: number }) { this.count += message.n }
    @eventHandler() drift () {
      this.startAsync('drift', async (signal) => {
        await gate.promise
        this.count += 1000
        drifted.resolve()
        await new Promise((resolve) => signal.addEventListener('abort', resolve))
      })
    }
  }
  const app = await buildApp(t, [['/c', Tasked]])
  const pages = await open(t, app, 2)
  await pages[1]!.event('drift')
  t.equal(await publish(app), 1, 'equal states: the view with a task shares the render')
  t.same(await counts(pages, [1, 1]), [1, 1])
  gate.resolve()
  await drifted.promise
  t.equal(await publish(app), 2, 'the task changed its view: compared, it renders its own')
  t.same(await counts(pages, [2, 1002]), [2, 1002])
})

t.test('pureHandleInfo must be a boolean', async (t) => {
  class Wrong extends LiveView {
    static override template = 'counter.njk'
    static override pureHandleInfo = 'yes' as unknown as boolean
  }
  await t.rejects(buildApp(t, [['/w', Wrong]]), { code: 'FST_LIVE_VIEW', message: /Wrong\.pureHandleInfo must be true or false; got "yes"/ })
})
