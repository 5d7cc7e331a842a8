import t, { type Test } from 'tap'
import { LiveView, background, eventHandler, loading, type LiveEvent } from '../../lib/index.js'
import { liveStats, openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { deferred } from '../helpers/deferred.js'
import { shownAfter, until } from '../helpers/live.js'

type Gate = ReturnType<typeof deferred<string>>

/** Gates the tasks wait on, taken in call order; the test releases them. */
let gates: Gate[] = []
let taken = 0
const gate = (): Promise<string> => gates[taken++]!.promise
/** Every `handleAsyncResult` call. */
let results: Array<{ name: string, result: unknown, error: unknown }> = []
/** The signal of every task run. */
let signals: AbortSignal[] = []

class TaskView extends LiveView {
  static override template = 'task.njk'
  status = 'idle'
  result = ''
  step = 0

  @background @eventHandler()
  async load (params: { label: string }, event: LiveEvent) {
    signals.push(event.signal)
    const value = await gate()
    if (event.signal.aborted) return 'ignored'
    this.result = `${params.label}:${value}`
    return value
  }

  @background @eventHandler()
  async fail () {
    await gate()
    throw new Error('upstream answered 500')
  }

  @loading('status') @background @eventHandler()
  async busy () {
    await gate()
    this.result = 'busy done'
  }

  @background @eventHandler()
  async progress () {
    for (const step of [1, 2]) {
      this.step = step
      await this.push()
      await gate()
    }
    this.step = 3
  }

  @eventHandler()
  stop () { this.status = this.cancelAsync('load') ? 'cancelled' : 'nothing to cancel' }

  @eventHandler()
  noop () {}

  @eventHandler()
  stopBusy () { this.cancelAsync('busy') }

  @eventHandler()
  fetch () {
    this.status = 'fetching'
    this.startAsync('fetch', async (signal) => {
      signals.push(signal)
      return await gate()
    })
  }

  override handleAsyncResult (name: string, result: unknown, error: unknown) {
    results.push({ name, result, error })
    this.status = error === undefined ? `done ${name}` : `failed ${name}`
  }
}

t.beforeEach(() => {
  gates = Array.from({ length: 4 }, () => deferred<string>())
  taken = 0
  results = []
  signals = []
})

async function setUp (t: Test) {
  const app = await buildApp(t, [['/tasks', TaskView]])
  const page = await openLive(app, '/tasks')
  t.teardown(() => page.close())
  return { app, page }
}

t.test('a @background event is acknowledged at once, and patched when the task completes', async (t) => {
  const { app, page } = await setUp(t)
  const ack = await page.event('load', { label: 'a' })
  t.match(ack, { t: 'reply', ref: 2 }, 'the reply comes while the task still waits')
  t.equal(liveStats(app).tasks, 1)
  const patch = page.next((f) => f.t === 'patch')
  gates[0]!.resolve('42')
  t.match(await shownAfter(page, patch), /status=done load[\s\S]*result=a:42/)
  t.same(results, [{ name: 'load', result: '42', error: undefined }], 'handleAsyncResult gets the result')
  t.equal(liveStats(app).tasks, 0)
})

t.test('the acknowledgement flushes the current state, @loading included', async (t) => {
  const { page } = await setUp(t)
  await page.event('busy')
  t.match(page.html(), /status=true/, 'the loading property is rendered in the ack')
  const patch = page.next((f) => f.t === 'patch')
  gates[0]!.resolve('')
  t.match(await shownAfter(page, patch), /status=done busy[\s\S]*result=busy done/, 'and reset before handleAsyncResult')
})

t.test('cancelling a @loading task turns its loading property off', async (t) => {
  const { page } = await setUp(t)
  await page.event('busy')
  t.match(page.html(), /status=true/)
  await page.event('busy')
  await page.event('noop')
  t.match(page.html(), /status=true/, 'a run that replaces another is still loading')
  t.match(await shownAfter(page, page.event('stopBusy')), /status=false/)
  gates[0]!.resolve('')
  gates[1]!.resolve('')
  t.match(await shownAfter(page, page.event('stop')), /status=nothing to cancel/, 'nothing more came of the cancelled runs')
})

t.test('cancelAsync aborts the signal and drops the result', async (t) => {
  const { app, page } = await setUp(t)
  await page.event('load', { label: 'a' })
  await page.event('stop')
  t.match(page.html(), /status=cancelled/)
  t.equal(signals[0]!.aborted, true, 'the task signal fired')
  t.equal(liveStats(app).tasks, 0)
  gates[0]!.resolve('late')
  // A later task completes; had the cancelled one produced anything, it would have come first.
  await page.event('load', { label: 'b' })
  const patch = page.next((f) => f.t === 'patch')
  gates[1]!.resolve('2')
  t.match(await shownAfter(page, patch), /result=b:2/)
  t.equal(page.frames.filter((f) => f.t === 'patch').length, 1, 'the cancelled task sent nothing')
  t.same(results.map((r) => r.result), ['2'], 'handleAsyncResult never saw the dropped result')
  t.match(await shownAfter(page, page.event('stop')), /status=nothing to cancel/, 'cancelAsync says whether a task was running')
})

t.test('a second run of the same task replaces the first', async (t) => {
  const { app, page } = await setUp(t)
  await page.event('load', { label: 'first' })
  await page.event('load', { label: 'second' })
  t.equal(signals[0]!.aborted, true, 'the first was cancelled')
  t.equal(signals[1]!.aborted, false)
  t.equal(liveStats(app).tasks, 1)
  gates[0]!.resolve('1')
  const patch = page.next((f) => f.t === 'patch')
  gates[1]!.resolve('2')
  t.match(await shownAfter(page, patch), /result=second:2/)
  t.same(results, [{ name: 'load', result: '2', error: undefined }])
})

t.test("a task's error reaches handleAsyncResult and the browser as handler_error", async (t) => {
  const { page } = await setUp(t)
  await page.event('fail')
  const patch = page.next((f) => f.t === 'patch')
  const error = page.next((f) => f.t === 'error')
  gates[0]!.resolve('')
  t.match(await shownAfter(page, patch), /status=failed fail/)
  t.match(await error, { t: 'error', code: 'handler_error', handler: 'fail', id: page.roots[0]!.id, message: /TaskView task "fail" failed: upstream answered 500/ })
  t.equal(results.length, 1)
  t.equal(results[0]!.result, undefined)
  t.match(results[0]!.error, { message: 'upstream answered 500' })
  t.equal((await page.event('stop')).t, 'reply', 'the view stays usable')
})

t.test('push() from a task sends intermediate patches', async (t) => {
  const { page } = await setUp(t)
  const first = page.next((f) => f.t === 'patch')
  await page.event('progress')
  t.match(await shownAfter(page, first), /step=1/)
  const second = page.next((f) => f.t === 'patch')
  gates[0]!.resolve('')
  t.match(await shownAfter(page, second), /step=2/)
  const last = page.next((f) => f.t === 'patch')
  gates[1]!.resolve('')
  t.match(await shownAfter(page, last), /step=3/)
  t.same(page.frames.filter((f) => f.t === 'patch').map((f) => f.v), [2, 3, 4], 'each patch is a new version')
})

t.test('startAsync runs a named task from any handler', async (t) => {
  const { page } = await setUp(t)
  t.match(await shownAfter(page, page.event('fetch')), /status=fetching/)
  const patch = page.next((f) => f.t === 'patch')
  gates[0]!.resolve('data')
  t.match(await shownAfter(page, patch), /status=done fetch/)
  t.same(results, [{ name: 'fetch', result: 'data', error: undefined }])
})

t.test('closing the socket cancels running tasks and ends the view', async (t) => {
  const { app, page } = await setUp(t)
  await page.event('load', { label: 'a' })
  await page.event('fetch')
  t.match(liveStats(app), { views: 1, tasks: 2, sockets: 1 })
  const aborted = Promise.all(signals.map((signal) => new Promise((resolve) => signal.addEventListener('abort', resolve))))
  page.close()
  await aborted
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
  gates[0]!.resolve('late')
  gates[1]!.resolve('late')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(results, [], 'nothing ran for the closed view')
})

t.test('an error thrown by handleAsyncResult reaches the browser as handler_error', async (t) => {
  class Picky extends TaskView {
    override handleAsyncResult (name: string): void {
      this.status = `seen ${name}`
      throw new Error('cannot handle it')
    }
  }
  const app = await buildApp(t, [['/picky', Picky]])
  const page = await openLive(app, '/picky')
  t.teardown(() => page.close())
  await page.event('load', { label: 'a' })
  const error = page.next((f) => f.t === 'error')
  const patch = page.next((f) => f.t === 'patch')
  gates[0]!.resolve('1')
  t.match(await shownAfter(page, patch), /status=seen load[\s\S]*result=a:1/, 'what it changed before the throw is shown')
  t.match(await error, { code: 'handler_error', handler: 'load', message: /task "load" failed: cannot handle it/ })
})
