import t, { type Test } from 'tap'
import { LiveView, eventHandler, permissionRequired, type MountContext } from '../../lib/index.js'
import { liveStats, openLive, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach, closed, openSocketPage, until } from '../helpers/live.js'

let childMounts: MountContext[] = []

class ChildView extends LiveView {
  static override template = 'child.njk'
  label = ''
  count = 0
  override mount (ctx: MountContext) {
    childMounts.push(ctx)
    this.count = this.label.length
  }

  @eventHandler() increment () { this.count++ }
  @permissionRequired('child.reset') @eventHandler() reset () { this.count = 0 }
}

class ParentView extends LiveView {
  static override template = 'parent.njk'
  static override embeds = { Child: ChildView }
  count = 0
  @eventHandler() increment () { this.count++ }
}

t.beforeEach(() => { childMounts = [] })

const setUp = (t: Test) => buildApp(t, [['/shop/:id', ParentView]], { permissions: (request) => String(request.headers['x-perms'] ?? '').split(',') })

t.test('the page holds one root per view, the embed inside its parent', async (t) => {
  const app = await setUp(t)
  const res = await app.inject('/shop/7?tab=x')
  const page = await openLive(app, '/shop/7?tab=x')
  t.teardown(() => page.close())
  t.equal(page.roots.length, 2)
  const [parent, child] = page.roots
  t.ok(parent!.html.includes(`<div id="${child!.id}" data-live-root`), 'the child root sits inside the parent root')
  t.match(child!.html, /<p>first: 5<\/p>/, 'props are set before mount and rendered')
  t.match(res.body, /data-live-root/)
  t.same(childMounts[0]!.props, { label: 'first' }, 'props are also ctx.props')
  t.same(childMounts[0]!.params, { id: '7' }, "an embed's params are its page's")
  t.same(childMounts[0]!.query, { tab: 'x' }, "an embed's query is its page's")
})

t.test('both views join over one socket, each with its own state and handlers', async (t) => {
  const app = await setUp(t)
  const page = await openLive(app, '/shop/1')
  t.teardown(() => page.close())
  t.match(liveStats(app), { views: 2, tasks: 0, sockets: 1 })
  const [parent, child] = page.roots
  const childBefore = child!.html

  const childReply = await page.event('increment', {}, { id: child!.id })
  t.match(childReply, { t: 'reply', id: child!.id })
  t.match(page.html(child!.id), /<p>first: 6<\/p>/)
  t.match(page.html(parent!.id), /parent: 0/, 'the parent did not change')
  t.notOk(page.frames.some((f) => f.id === parent!.id && f.t === 'patch'))

  await page.event('increment', {}, { id: parent!.id })
  t.match(page.html(parent!.id), /parent: 1/)
  t.match(page.html(child!.id), /<p>first: 6<\/p>/, 'the child keeps its state')
  const full = await page.send({ t: 'render', id: parent!.id })
  t.match(full.html, /parent: 1/)
  t.match(full.html, new RegExp(`<div id="${child!.id}" data-live-root></div>`), 'a full render of the parent holds an empty shell where the child is')
  t.notMatch(full.html, /first: /, 'and never the child content')
  t.not(childBefore, page.html(child!.id))
  t.equal(childMounts.length, 1, 'the child was mounted once')
})

t.test("an embed's handlers keep their @permissionRequired", async (t) => {
  const app = await setUp(t)
  const refused = await openLive(app, '/shop/1')
  t.teardown(() => refused.close())
  t.match(await refused.event('reset', {}, { id: refused.roots[1]!.id }), { t: 'error', code: 'forbidden', handler: 'reset' })
  const granted = await openLive(app, '/shop/1', { headers: { 'x-perms': 'child.reset' } })
  t.teardown(() => granted.close())
  t.equal((await granted.event('reset', {}, { id: granted.roots[1]!.id })).t, 'reply')
  t.match(granted.html(granted.roots[1]!.id), /first: 0/)
})

t.test('closing the socket ends every view of the page', async (t) => {
  const app = await setUp(t)
  const { page, socket } = await openSocketPage(app, '/shop/1')
  t.match(liveStats(app), { views: 2, tasks: 0, sockets: 1 })
  const gone = closed(socket)
  page.close()
  await gone
  await until(() => liveStats(app).sockets === 0, 'the server to see the close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
})

t.test('a page that rejoins on a new socket after a drop resumes each view without mounting it, and leaks none', async (t) => {
  const app = await setUp(t)
  const res = await app.inject('/shop/1')
  const first = await attach(app, res.body)
  await first.page.event('increment', {}, { id: first.page.roots[1]!.id })
  first.page.close()
  await until(() => liveStats(app).sockets === 0, 'the first socket to close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })

  childMounts = []
  const again = await attach(app, res.body)
  t.same(again.joins.map((f) => f.t), ['reply', 'reply'])
  t.equal(liveStats(app).views, 2, 'one parent and one child on the new socket')
  t.equal(childMounts.length, 0, 'the parked child was resumed, not mounted')
  t.match(again.joins[1]!.html, /first: 6/, 'with the state it had (5, and the click)')
  const child = again.page.roots[1]!
  t.equal((await again.page.event('increment', {}, { id: child.id })).t, 'reply')
  await again.page.event('increment', {}, { id: again.page.roots[0]!.id })
  const full = await again.page.send({ t: 'render', id: again.page.roots[0]!.id })
  t.match(full.html, new RegExp(`<div id="${child.id}" data-live-root></div>`), 'the parent places the joined child')
  again.page.close()
  await until(() => liveStats(app).sockets === 0, 'the second socket to close')
  t.match(liveStats(app), { views: 0, tasks: 0, sockets: 0 })
})

class ToggleView extends LiveView {
  static override template = 'toggle.njk'
  static override embeds = { Child: ChildView }
  shown = false
  embedName = 'Child'
  @eventHandler() toggle () { this.shown = !this.shown }
  @eventHandler() misname () { this.shown = true; this.embedName = 'Chlid' }
}

t.test('an embed that appears on a re-render is mounted once and joins with its full html', async (t) => {
  const app = await buildApp(t, [['/toggle', ToggleView]])
  const page = await openLive(app, '/toggle')
  t.teardown(() => page.close())
  t.equal(page.roots.length, 1)
  await page.event('toggle')
  const [child] = parseRoots(page.html())
  t.ok(child, 'the new embed arrives as a root with its own token')
  t.match(child!.html, /<p>late: 4<\/p>/)
  t.equal(childMounts.length, 1)
  page.roots.push(child!)
  const joined = await page.send({ t: 'join', id: child!.id, token: child!.token })
  t.match(joined, { t: 'reply', id: child!.id, html: /late: 4/ }, 'the join of a new embed carries its html')
  t.equal(childMounts.length, 1, 'the join took the embed the re-render mounted')
  await page.event('increment', {}, { id: child!.id })
  t.match(page.html(child!.id), /late: 5/)
  t.equal(liveStats(app).views, 2)

  await page.event('toggle')
  t.notMatch(page.html(), /data-live-root/, 'hidden again')
  t.equal(liveStats(app).views, 2, 'a joined embed lives until the browser leaves it')
  t.match(await page.send({ t: 'leave', id: child!.id }), { t: 'reply' })
  t.equal(liveStats(app).views, 1)
})

t.test('a template that embeds an unknown name fails with the known names', async (t) => {
  const app = await buildApp(t, [['/toggle', ToggleView]])
  const page = await openLive(app, '/toggle')
  t.teardown(() => page.close())
  t.match(await page.event('misname'), { t: 'error', code: 'handler_error', message: /ToggleView embeds no view named "Chlid"; add it to static embeds \(known: Child\)/ })
})
