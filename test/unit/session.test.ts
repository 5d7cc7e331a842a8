import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import live, { LiveView, eventHandler } from '../../lib/index.js'
import { MAX_INBOX } from '../../lib/session.js'
import { LivePage, liveStats, openLive, parseRoots } from '../../lib/testing.js'
import { FIXTURES, SECRET } from '../helpers/app.js'
import { deferred, type Deferred } from '../helpers/deferred.js'
import { listen, realSocket, until } from '../helpers/live.js'

// lib/session.ts through its API (a real app, real sockets): messages that
// arrive while the view is busy, the bound on them, a task cut short by a
// park, unmount() failures, and full renders asked for while one is queued.

let gate: Deferred<void> = deferred()
let started = 0
let slowInfo: Deferred<void> | null = null
let unmountFails: 'throw' | 'reject' | null = null

class Probe extends LiveView {
  static override template = 'session-probe.njk'
  seen: number[] = []
  outcome = ''

  override mount () { this.subscribe('probe') }

  override async handleInfo (_topic: string, message: unknown) {
    const { n } = message as { n: number }
    if (n === 1 && slowInfo !== null) await slowInfo.promise
    this.seen = [...this.seen, n]
  }

  override handleAsyncResult (name: string, _result: unknown, error: unknown) {
    this.outcome = `${name}: ${(error as Error).name}: ${(error as Error).message}`
  }

  override unmount () {
    if (unmountFails === 'throw') throw new Error('unmount threw')
    if (unmountFails === 'reject') return Promise.reject(new Error('unmount rejected'))
  }

  @eventHandler() async hold () {
    started++
    await gate.promise
  }

  @eventHandler() slow () {
    this.startAsync('slow', async (signal) => await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
  }
}

t.beforeEach(() => { gate = deferred(); started = 0; slowInfo = null; unmountFails = null })

/** A listening app with Probe at /p; `logs` collects what it logs at warn and above. */
async function start (t: Test): Promise<{ app: FastifyInstance, base: string, logs: Array<{ msg: string, err?: { message: string } }> }> {
  const logs: Array<{ msg: string, err?: { message: string } }> = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(live, { templates: FIXTURES, secret: SECRET })
  app.live('/p', Probe)
  return { app, base: await listen(app), logs }
}

const seenIn = (html: string): string => /<p id="seen">([^<]*)<\/p>/.exec(html)![1]!

t.test('messages that arrive while the view is busy are all handled, in order, though one awaits, and rendered once', async (t) => {
  const { app } = await start(t)
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const held = page.event('hold')
  await until(() => started === 1, 'the handler to start')
  slowInfo = deferred()
  for (const n of [1, 2, 3]) await app.live.publish('probe', { n })
  const renders = liveStats(app).renders
  gate.resolve()
  await held
  const patch = page.next((f) => f.t === 'patch')
  slowInfo.resolve()
  await patch
  t.equal(seenIn(page.html()), '1,2,3', 'all three, in the order published, though the first awaited')
  t.equal(liveStats(app).renders - renders, 2, 'one render for the event, one for the three messages')
})

t.test(`more than MAX_INBOX (${MAX_INBOX}) messages waiting: the oldest are dropped, once warned of`, async (t) => {
  const { app, logs } = await start(t)
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const held = page.event('hold')
  await until(() => started === 1, 'the handler to start')
  const extra = 5
  for (let n = 2; n <= MAX_INBOX + extra + 1; n++) await app.live.publish('probe', { n })
  const patch = page.next((f) => f.t === 'patch')
  gate.resolve()
  await held
  await patch
  const seen = seenIn(page.html()).split(',').map(Number)
  t.equal(seen.length, MAX_INBOX, 'the view handled MAX_INBOX of them')
  t.same([seen[0], seen.at(-1)], [2 + extra, MAX_INBOX + extra + 1], 'the newest')
  t.equal(logs.filter((l) => /receives messages faster than it handles them/.test(l.msg)).length, 1, 'one warning')
})

t.test('a view parked while its task runs learns, once resumed, that the task was cut short', async (t) => {
  const { app, base } = await start(t)
  const body = (await app.inject('/p')).body
  const [root] = parseRoots(body)
  const first = new LivePage(body, parseRoots(body), await realSocket(base))
  await first.join()
  await first.event('slow')
  t.equal(liveStats(app).tasks, 1)
  first.close()
  await until(() => liveStats(app).sockets === 0 && liveStats(app).tasks === 0, 'the drop to park the view')

  const again = new LivePage(body, parseRoots(body), await realSocket(base))
  t.teardown(() => again.close())
  const told = again.next((f) => f.t === 'patch' && /cut short/.test(again.html()))
  t.match(await again.send({ t: 'join', id: root!.id, token: root!.token }), { t: 'reply' })
  await told
  t.match(again.html(), /slow: AbortError: the task &quot;slow&quot; was cut short when the view was parked/)
})

t.test('an unmount() that throws or rejects is logged; the view ends all the same', async (t) => {
  for (const how of ['throw', 'reject'] as const) {
    const { app, logs } = await start(t)
    const page = await openLive(app, '/p')
    t.teardown(() => page.close())
    unmountFails = how
    t.match(await page.send({ t: 'leave', id: page.roots[0]!.id }), { t: 'reply' })
    await until(() => logs.some((l) => l.msg === 'fastify-live: unmount() threw'), 'the log')
    t.match(logs.find((l) => l.msg === 'fastify-live: unmount() threw'), { err: { message: `unmount ${how === 'throw' ? 'threw' : 'rejected'}` } }, how)
    t.equal(liveStats(app).views, 0)
  }
})

t.test('full renders asked for while one is queued are each answered', async (t) => {
  const { app } = await start(t)
  const page = await openLive(app, '/p')
  t.teardown(() => page.close())
  const held = page.event('hold')
  await until(() => started === 1, 'the handler to start')
  const id = page.roots[0]!.id
  const answers = [page.send({ t: 'render', id }), page.send({ t: 'render', id }), page.send({ t: 'render', id })]
  gate.resolve()
  await held
  const [full, ...rest] = await Promise.all(answers)
  t.match(full, { t: 'reply', html: /<p id="seen"><\/p>/ }, 'the first gets the full render')
  t.same(rest.map((f) => f.t), ['reply', 'reply'], 'and the ones that arrived meanwhile an answer each')
})
