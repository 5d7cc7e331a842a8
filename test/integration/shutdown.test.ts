import t from 'tap'
import { LiveView, background, eventHandler, type LiveEvent } from '../../lib/index.js'
import { LivePage, liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { closed, listen, realSocket } from '../helpers/live.js'

let signals: AbortSignal[] = []

class WorkView extends LiveView {
  static override template = 'counter.njk'
  count = 0

  @background @eventHandler()
  async work (_params: unknown, event: LiveEvent) {
    signals.push(event.signal)
    await new Promise((resolve) => event.signal.addEventListener('abort', resolve))
  }
}

t.test('app.close() closes live sockets and ends every view and task', async (t) => {
  signals = []
  const app = await buildApp(t, [['/work', WorkView]])
  const base = await listen(app)
  const body = (await app.inject('/work')).body
  const socket = await realSocket(base)
  const page = new LivePage(body, parseRoots(body), socket)
  await page.join()
  await page.event('work')
  await app.inject('/work') // a page rendered but never joined
  t.match(liveStats(app), { views: 2, tasks: 1, sockets: 1 })

  const code = closed(socket)
  await app.close()
  t.equal(await code, 1012, 'the browser sees the server restarting, and will reconnect')
  t.equal(signals[0]!.aborted, true, 'the running task was cancelled')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
})
