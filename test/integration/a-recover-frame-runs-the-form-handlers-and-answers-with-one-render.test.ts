import t from 'tap'
import { LiveView, eventHandler, type LiveEvent } from '../../lib/index.js'
import { openLive, type LivePage, type ServerFrame } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'

// The server's half of form recovery (docs/reconnects.md): the page sends
// the fields of its forms in one `recover` frame; each form's handler runs
// with `event.recovering`, then one reply carries the full render. A handler
// that fails is reported once by an error frame of its own (no ref), so the
// page never retries it.

class FormsView extends LiveView {
  static override template = 'recover-seen.njk'
  seen: Array<{ h: string, p: unknown, recovering: boolean }> = []

  @eventHandler()
  title (p: Record<string, unknown>, event: LiveEvent) { this.seen.push({ h: 'title', p, recovering: event.recovering }) }

  @eventHandler()
  body (p: Record<string, unknown>, event: LiveEvent) { this.seen.push({ h: 'body', p, recovering: event.recovering }) }

  @eventHandler()
  boom () { throw new Error('no recovery here') }

  @eventHandler({ params: { n: { type: 'integer' } } })
  strict (p: { n: number }, event: LiveEvent) { this.seen.push({ h: 'strict', p, recovering: event.recovering }) }
}

const app = await buildApp(t, [['/forms', FormsView]])

/** Send a recover frame; the reply, and every frame that came after it until a ping's answer. */
async function recover (page: LivePage, forms: Array<{ h: string, p: Record<string, unknown> }>): Promise<{ reply: ServerFrame, after: ServerFrame[] }> {
  const reply = await page.send({ t: 'recover', id: page.roots[0]!.id, forms })
  const from = page.frames.indexOf(reply) + 1
  // a render frame is answered after anything the recovery sent: what came between is all it sent
  const ping = await page.send({ t: 'render', id: page.roots[0]!.id })
  return { reply, after: page.frames.slice(from, page.frames.indexOf(ping)) }
}

const seen = (page: LivePage): unknown => JSON.parse(/<pre id="seen">([^<]*)<\/pre>/.exec(page.html())![1]!.replaceAll('&quot;', '"'))

t.test('each form handler runs with event.recovering, in order, and one reply carries the full render', async (t) => {
  const page = await openLive(app, '/forms')
  const { reply, after } = await recover(page, [{ h: 'title', p: { title: 'Draft', _target: 'title' } }, { h: 'body', p: { text: 'hello' } }])
  t.match(reply, { t: 'reply', html: /Draft/ })
  t.same(after, [], 'nothing else')
  t.same(seen(page), [
    { h: 'title', p: { title: 'Draft', _target: 'title' }, recovering: true },
    { h: 'body', p: { text: 'hello' }, recovering: true },
  ])
  await page.event('title', { title: 'typed' }, { type: 'change' })
  t.match(seen(page), [{}, {}, { h: 'title', recovering: false }], 'a later change is no recovery')
  page.close()
})

t.test('a handler that throws, is missing or refuses the fields: the others run, one reply, then one error frame without ref', async (t) => {
  const page = await openLive(app, '/forms')
  for (const [bad, message] of [
    [{ h: 'boom', p: {} }, /FormsView\.boom\(\) threw while recovering a form: no recovery here/],
    [{ h: 'nope', p: {} }, /FormsView cannot recover a form with "nope": there is no such event handler/],
    [{ h: 'strict', p: { n: 'x' } }, /FormsView cannot recover a form with "strict": its fields failed the handler's params/],
  ] as const) {
    const before = (seen(page) as unknown[]).length
    const { reply, after } = await recover(page, [bad, { h: 'title', p: { title: 'kept' } }, { h: 'boom', p: {} }])
    t.equal(reply.t, 'reply', `${bad.h}: the recovery is answered`)
    t.equal(typeof reply.html, 'string')
    t.equal(after.length, 1, `${bad.h}: one error frame`)
    t.match(after[0], { t: 'error', code: 'handler_error', handler: bad.h, message, id: page.roots[0]!.id })
    t.equal(after[0]!.ref, undefined, 'not the answer to a call: the page does not retry it')
    t.equal((seen(page) as unknown[]).length, before + 1, 'the other form was recovered')
  }
  page.close()
})
