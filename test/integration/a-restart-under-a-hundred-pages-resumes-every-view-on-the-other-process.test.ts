import t from 'tap'
import type { WebSocket } from 'ws'
import { LiveView, eventHandler } from '../../lib/index.js'
import { parseRoots, type ServerFrame } from '../../lib/testing.js'
import { buildApp, closeWhileBrowsing } from '../helpers/app.js'
import { closed, listen, realSocket } from '../helpers/live.js'
import { startRedis } from '../helpers/redis.js'

// The reconnect storm of bench/storm.mjs, small and without timings: a
// hundred pages on one process, `app.close()` there, and every page rejoins
// the other process the way the browser does (after its jittered backoff).

const SESSIONS = 100
let mounts = 0

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { mounts++ }
  @eventHandler() increment () { this.count++ }
}

/** Sends `frame` and resolves with the reply or error that carries its ref. */
function call (ws: WebSocket, frame: Record<string, unknown>): Promise<ServerFrame> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const answer = JSON.parse(data.toString()) as ServerFrame
      if (answer.ref !== frame.ref) return
      ws.off('message', onMessage)
      resolve(answer)
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify(frame))
  })
}

/** The count a reply shows: in its full html, or in its delta (`d: [elementId, outerHTML]`). */
const countIn = (frame: ServerFrame | undefined): number => {
  const html = frame?.html ?? (frame?.d as [string, string] | undefined)?.[1] ?? ''
  return Number(/<span id="count">(\d+)<\/span>/.exec(html)?.[1])
}

// browser/socket.ts's first delay after a close: 250 ms × a random 0.5–1.
const backoff = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250 * (0.5 + Math.random() / 2)))

t.test('app.close() under a hundred pages: every page rejoins the other process and resumes its own state', async (t) => {
  const redis = await startRedis(t)
  const a = await buildApp(t, [['/counter', CounterView]], { redis: redis.url })
  const b = await buildApp(t, [['/counter', CounterView]], { redis: redis.url })
  const baseA = await listen(a)
  const baseB = await listen(b)

  const pages = await Promise.all(Array.from({ length: SESSIONS }, async (_, i) => {
    const { id, token } = parseRoots((await a.inject('/counter')).body)[0]!
    const ws = await realSocket(baseA)
    t.teardown(() => ws.terminate())
    t.match(await call(ws, { t: 'join', ref: 1, id, token }), { t: 'reply' })
    const events = (i % 5) + 1
    for (let k = 0; k < events; k++) await call(ws, { t: 'event', ref: k + 2, id, h: 'increment', p: {}, type: 'click' })
    return { id, token, count: events, closed: closed(ws) }
  }))
  t.equal(mounts, SESSIONS, 'each page mounted once, on the process that rendered it')

  // Every page hears its close and rejoins B (as a load balancer would route it) after its own delay.
  const rejoins = pages.map(async (page) => {
    const code = await page.closed
    await backoff()
    const ws = await realSocket(baseB)
    t.teardown(() => ws.terminate())
    const join = await call(ws, { t: 'join', ref: 1, id: page.id, token: page.token })
    const after = join.t === 'reply' ? await call(ws, { t: 'event', ref: 2, id: page.id, h: 'increment', p: {}, type: 'click' }) : undefined
    return { page, code, join, after }
  })
  await closeWhileBrowsing(a)
  const results = await Promise.all(rejoins)

  t.same(results.map((r) => r.code), pages.map(() => 1012), 'every socket was closed with 1012 (restarting)')
  t.same(results.filter((r) => r.join.t !== 'reply').map((r) => r.join), [], 'no rejoin was refused')
  t.same(results.filter((r) => typeof r.join.html !== 'string').map((r) => r.join), [], 'every rejoin answered with the full render, as a resume does')
  t.same(results.filter((r) => r.join.fresh === true).map((r) => r.page.id), [], 'no view was mounted anew: nothing was lost')
  t.same(results.filter((r) => countIn(r.join) !== r.page.count).map((r) => [r.page.count, r.join.html]), [], 'each rejoin shows its own page\'s count')
  t.same(results.filter((r) => countIn(r.after) !== r.page.count + 1).map((r) => [r.page.count, r.after]), [], 'and events go on from it')
  t.equal(mounts, SESSIONS, 'no mount ran on the other process')
})
