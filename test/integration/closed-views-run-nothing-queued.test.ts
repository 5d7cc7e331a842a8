import t from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

let started: () => void = () => {}
let release: () => void = () => {}
let finished: () => void = () => {}
const calls: string[] = []

class SlowView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @eventHandler()
  async hold () {
    calls.push('hold')
    started()
    await new Promise<void>((resolve) => { release = resolve })
    finished()
  }

  @eventHandler()
  increment () {
    calls.push('increment')
    this.count += 1
  }
}

t.test('events queued behind a slow handler do not run once the view has left', async (t) => {
  const app = await buildApp(t, [['/slow', SlowView]])
  const page = await openLive(app, '/slow')
  const id = page.roots[0]!.id
  await new Promise<void>((resolve) => {
    started = resolve
    void page.event('hold')
  })
  void page.event('increment') // waits in the view's queue behind `hold`
  const left = await page.send({ t: 'leave', id })
  t.equal(left.t, 'reply', 'the leave is answered at once')
  await new Promise<void>((resolve) => {
    finished = resolve
    release()
  })
  // The queue moves on in microtasks; let them all run.
  await new Promise((resolve) => setImmediate(resolve))
  t.same(calls, ['hold'], 'the queued increment was dropped, not run')
  page.close()
})
