import t, { type Test } from 'tap'
import { LiveView, eventHandler } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

class CounterView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
  @eventHandler() nothing () {}
  @eventHandler() same () { this.count = Number(String(this.count)) }
  @eventHandler() async later () { this.count += 10; await this.push() }
}

async function setUp (t: Test) {
  const app = await buildApp(t, [['/counter', CounterView]])
  const page = await openLive(app, '/counter')
  t.teardown(() => page.close())
  return page
}

/** A reply that carries no render: neither full HTML nor a delta. */
const bare = (frame: Record<string, unknown>) => !('html' in frame) && !('d' in frame)

t.test('the HTTP render is version 1', async (t) => {
  const page = await setUp(t)
  t.equal(page.frames[0]!.v, 1)
  t.ok(bare(page.frames[0]!), 'the join is a bare ack')
})

t.test('an event that changes the HTML increments the version and carries the change', async (t) => {
  const page = await setUp(t)
  const reply = await page.event('increment')
  t.equal(reply.v, 2)
  t.notOk(bare(reply))
  t.match(page.html(), /<span id="count">1<\/span>/)
  t.equal((await page.event('increment')).v, 3)
})

t.test('an event that changes nothing gets a bare ack with the same version', async (t) => {
  const page = await setUp(t)
  await page.event('increment')
  for (const handler of ['nothing', 'same']) {
    const reply = await page.event(handler)
    t.equal(reply.v, 2, handler)
    t.ok(bare(reply), `${handler}: no html`)
  }
})

t.test('a push() patch is a version too, and the reply after it is bare', async (t) => {
  const page = await setUp(t)
  const patch = page.next((f) => f.t === 'patch')
  const reply = await page.event('later')
  t.equal((await patch).v, 2)
  t.equal(reply.v, 2, 'the reply carries the version the patch set')
  t.ok(bare(reply))
  t.match(page.html(), /<span id="count">10<\/span>/)
})

t.test('a render frame returns the full html at the current version', async (t) => {
  const page = await setUp(t)
  await page.event('increment')
  const id = page.roots[0]!.id
  const full = await page.send({ t: 'render', id })
  t.match(full, { t: 'reply', ref: 3, id, v: 2 })
  t.match(full.html, /^<p>Count: <span id="count">1<\/span><\/p>\s*<button live-click="increment">\+<\/button>\s*$/)
  t.equal((await page.send({ t: 'render', id })).v, 2, 'asking again changes nothing')
})
