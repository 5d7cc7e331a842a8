import t from 'tap'
import { LiveView, eventHandler, background } from '../../lib/index.js'
import { liveStats, openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class TickerView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () {
    // a task per session that would run forever if nothing cancelled it
    this.startAsync('tick', (signal) => new Promise((resolve) => signal.addEventListener('abort', resolve)))
  }

  @eventHandler()
  increment () { this.count += 1 }

  @eventHandler()
  @background
  async slow (_: unknown, { signal }: { signal: AbortSignal }) {
    await new Promise((resolve) => signal.addEventListener('abort', resolve))
  }
}

const SESSIONS = 1000

t.test(`after ${SESSIONS} sessions connect and disconnect, no view, task, socket or timer is left`, async (t) => {
  const app = await buildApp(t, [['/ticker', TickerView]])
  const core = (app.live as any)[Symbol.for('fastify-live.core')]
  for (let batch = 0; batch < SESSIONS / 100; batch++) {
    const pages = await Promise.all(Array.from({ length: 100 }, () => openLive(app, '/ticker')))
    await Promise.all(pages.map((p) => p.event('increment')))
    await Promise.all(pages.map((p) => p.event('slow')))
    if (batch === 0) t.match(liveStats(app), { views: 100, tasks: 200, sockets: 100 }, 'while connected, each session has its view, tasks and socket')
    for (const page of pages) page.close()
  }
  // Sockets close asynchronously on the server: wait for the last one.
  while (liveStats(app).sockets > 0) await new Promise((resolve) => setImmediate(resolve))
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
  t.equal(core.handoff.size, 0, 'no view waits for a join (no handoff timer left)')
})

t.test('views rendered over HTTP but never joined are closed when their handoff expires', async (t) => {
  const app = await buildApp(t, [['/ticker', TickerView]], { handoffTtl: 50 })
  await Promise.all(Array.from({ length: 20 }, () => app.inject('/ticker')))
  t.match(liveStats(app), { views: 20, tasks: 20, sockets: 0 })
  while (liveStats(app).views > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
})
