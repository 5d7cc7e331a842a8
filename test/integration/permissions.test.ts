import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { LiveView, eventHandler, permissionRequired } from '../../lib/index.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach } from '../helpers/live.js'

let mounts = 0
let deletes = 0

class AdminView extends LiveView {
  static override template = 'counter.njk'
  count = 10
  override mount () { mounts++ }

  @eventHandler() increment () { this.count++ }

  @permissionRequired('items.delete') @eventHandler()
  remove () { deletes++; this.count = 0 }

  @permissionRequired(['items.delete', 'items.audit']) @eventHandler()
  purge () { deletes++; this.count = -1 }
}

t.beforeEach(() => { mounts = 0; deletes = 0 })

/** Grants what the `x-perms` header lists. */
const fromHeader = (request: FastifyRequest) => String(request.headers['x-perms'] ?? '').split(',').filter(Boolean)
const as = (perms: string) => ({ 'x-perms': perms })

t.test('a GET without the route permissions answers 403 and never mounts the view', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView, { permissions: ['admin.view', 'admin.edit'] }]], { permissions: fromHeader })
  const res = await app.inject({ url: '/admin', headers: as('admin.view') })
  t.equal(res.statusCode, 403)
  t.match(res.headers['content-type'], /text\/html/)
  t.match(res.body, /403 Forbidden/)
  t.match(res.body, /\/admin requires the permission &quot;admin\.edit&quot;/, 'in debug mode the page says what is missing')
  t.notMatch(res.body, /data-live-root/)
  t.equal(mounts, 0)
  const ok = await app.inject({ url: '/admin', headers: as('admin.view,admin.edit') })
  t.equal(ok.statusCode, 200)
  t.equal(mounts, 1)
})

t.test('a single permission may be a string', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], { permissions: fromHeader })
  t.equal((await app.inject('/admin')).statusCode, 403)
  t.equal((await app.inject({ url: '/admin', headers: as('admin.view') })).statusCode, 200)
})

t.test('onForbidden answers a forbidden GET instead, e.g. with a redirect', async (t) => {
  const seen: string[] = []
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], {
    permissions: fromHeader,
    onForbidden: (request, reply) => { seen.push(request.url); return reply.redirect('/login?next=' + encodeURIComponent(request.url)) },
  })
  const res = await app.inject('/admin?tab=2')
  t.equal(res.statusCode, 302)
  t.equal(res.headers.location, '/login?next=%2Fadmin%3Ftab%3D2')
  t.same(seen, ['/admin?tab=2'])
  t.equal(mounts, 0)
})

t.test('the join of a view whose route permissions are missing is refused', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], { permissions: fromHeader })
  const res = await app.inject({ url: '/admin', headers: as('admin.view') })
  // The socket's upgrade request lacks the permission (e.g. the session ended meanwhile).
  const { page, joins } = await attach(app, res.body, as(''))
  t.teardown(() => page.close())
  t.match(joins[0], { t: 'error', code: 'forbidden', id: page.roots[0]!.id, message: /the route \/admin requires the permission "admin\.view"/ })
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_view' }, 'the view is not joined')
})

t.test('the permissions resolver sees the socket upgrade request, after the app onRequest hooks', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], {
    permissions: (request) => (request as any).user?.permissions ?? [],
  }, (app) => {
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (request) => {
      if (request.headers.cookie === 'session=ada') (request as any).user = { permissions: ['admin.view', 'items.delete'] }
    })
  })
  const page = await openLive(app, '/admin', { headers: { cookie: 'session=ada' } })
  t.teardown(() => page.close())
  t.equal((await page.event('remove')).t, 'reply', 'the handler permission came from the hooked upgrade request')
  t.equal(deletes, 1)
})

t.test('@permissionRequired refuses a call as forbidden and changes nothing', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView]], { permissions: fromHeader })
  const page = await openLive(app, '/admin', { headers: as('items.delete') })
  t.teardown(() => page.close())
  const before = page.html()
  const refused = await page.event('purge')
  t.match(refused, { t: 'error', code: 'forbidden', handler: 'purge', message: /AdminView\.purge\(\) requires the permission "items\.audit"/ })
  t.equal(deletes, 0, 'the handler did not run')
  t.equal(page.html(), before)
  t.equal(page.roots[0]!.version, 1)
  const reply = await page.event('increment')
  t.equal(reply.t, 'reply', 'the socket is still open and the view usable')
  t.match(page.html(), /<span id="count">11<\/span>/, 'the state was untouched by the refusal')
  t.equal((await page.event('remove')).t, 'reply', 'a granted permission lets the call through')
  t.equal(deletes, 1)
})

t.test('a resolver that throws grants nothing', async (t) => {
  let fail = false
  const app = await buildApp(t, [['/admin', AdminView]], {
    permissions: async () => {
      if (fail) throw new Error('auth service down')
      return ['items.delete']
    },
  })
  const page = await openLive(app, '/admin')
  t.teardown(() => page.close())
  fail = true
  t.match(await page.event('remove'), { t: 'error', code: 'forbidden', message: /the permissions resolver failed/ })
  t.equal(deletes, 0)
  fail = false
  t.equal((await page.event('remove')).t, 'reply')
})

t.test('a resolver that throws on a GET answers 403', async (t) => {
  const app = await buildApp(t, [['/admin', AdminView, { permissions: 'admin.view' }]], {
    permissions: () => { throw new Error('auth service down') },
  })
  const res = await app.inject('/admin')
  t.equal(res.statusCode, 403)
  t.equal(mounts, 0)
})
