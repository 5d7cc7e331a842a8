import t, { type Test } from 'tap'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { LiveView, eventHandler, permissionRequired, type LiveOptions, type LiveRouteOptions, type LiveViewClass, type MountContext } from '../../lib/index.js'
import { LivePage, liveStats, openSocket, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { blankChromiumPage, launchBrowser, openChromiumPage, waitConnected } from '../helpers/browser.js'
import { forgetRecorded, liveEvents } from '../helpers/recorder.js'

let purges = 0
/** Every request the permissions resolver was asked about: the GETs and the socket upgrades. */
let asked: string[] = []

class AdminView extends LiveView {
  static override template = 'sec-admin.njk'
  count = 0

  @eventHandler() increment () { this.count++ }

  @permissionRequired('items.delete') @eventHandler()
  purge () { purges++; this.count = -1 }
}

class LoginView extends LiveView {
  static override template = 'sec-login.njk'
  next = '/'
  override mount ({ query }: MountContext) { this.next = String(query.next ?? '/') }
}

class PanelView extends LiveView {
  static override template = 'sec-panel.njk'
  count = 0
  @eventHandler() increment () { this.count++ }
}

class DashView extends LiveView {
  static override template = 'sec-dash.njk'
  static override embeds = { Panel: PanelView }
  count = 0
}

/** Grants what the `perms` cookie lists, `?as=` on the URL, or the `x-perms` header. */
function permissions (request: FastifyRequest): string[] {
  asked.push(request.url)
  const cookie = /(?:^|;\s*)perms=([^;]*)/.exec(request.headers.cookie ?? '')?.[1]
  const query = (request.query as Record<string, string | undefined>).as
  return [cookie, query, request.headers['x-perms'] as string | undefined].flatMap((v) => v?.split(',') ?? []).filter(Boolean)
}

/** Like `serve`, with plain routes of the app's own (a login endpoint). */
async function serveWith (t: Test, routes: Array<[string, LiveViewClass, LiveRouteOptions?]>, options: LiveOptions, setup?: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance, url: string }> {
  const app = await buildApp(t, routes, { permissions, ...options }, setup)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  return { app, url: `http://127.0.0.1:${port}` }
}

const browser = await launchBrowser(t)
t.beforeEach(() => { purges = 0; asked = [] })

t.test('a call without its permission shows as live:error forbidden, and the page stays usable', async (t) => {
  const { url } = await serveWith(t, [['/admin', AdminView]], {})
  const page = await openChromiumPage(t, browser, `${url}/admin`)
  await forgetRecorded(page)
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')

  await page.click('#purge')
  await page.waitForFunction(() => (window as any).__live.events.some((e: { name: string }) => e.name === 'live:error'))
  const [error] = await liveEvents(page, 'live:error')
  t.match(error, { id: await page.getAttribute('[data-live-root]', 'id'), detail: { code: 'forbidden', handler: 'purge', message: /AdminView\.purge\(\) requires the permission "items\.delete"/ } })
  t.equal(purges, 0, 'the handler never ran')
  t.equal(await page.textContent('#count'), '1', 'the refused call changed nothing')
  t.ok(await page.$eval('[data-live-root]', (root) => root.classList.contains('live-connected')), 'the view is still connected')

  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '2')
  t.equal((await liveEvents(page, 'live:error')).length, 1, 'one refusal, one error event')
})

t.test('a protected route redirects to a login page through onForbidden, and works once signed in', async (t) => {
  const { url } = await serveWith(t, [['/admin', AdminView, { permissions: 'admin.view' }], ['/login', LoginView]], {
    onForbidden: (request, reply) => reply.redirect(`/login?next=${encodeURIComponent(request.url)}`),
  }, (app) => {
    app.get('/session', (request, reply) => {
      const next = String((request.query as Record<string, unknown>).next ?? '/')
      reply.header('set-cookie', 'perms=admin.view; Path=/; HttpOnly; SameSite=Lax')
      // Only local paths: a login must not become an open redirect.
      return reply.redirect(next.startsWith('/') && !next.startsWith('//') ? next : '/')
    })
  })

  const page = await openChromiumPage(t, browser, `${url}/admin?tab=2`)
  t.equal(new URL(page.url()).pathname, '/login', 'the forbidden GET was redirected')
  t.equal(await page.textContent('#next'), '/admin?tab=2', 'the login page knows where to go back to')

  await page.click('#sign-in')
  await page.waitForURL(`${url}/admin?tab=2`)
  await waitConnected(page)
  t.ok(asked.includes('/_live/socket'), 'the join asked the resolver about the upgrade request, which carried the cookie')
  await page.click('#inc')
  await page.waitForFunction(() => document.querySelector('#count')!.textContent === '1')
  t.equal(await page.textContent('#count'), '1', 'the protected view works')
})

t.test('a page whose socket lacks the route permission gets forbidden joins, for its embed too', async (t) => {
  const { url } = await serveWith(t, [['/dash', DashView, { permissions: 'staff' }]], {})
  // Recorded from the first script on, since the joins are refused while the page loads.
  const page = await blankChromiumPage(t, browser)
  // The GET is granted (`?as=staff`), the socket's upgrade request is not: as if the session ended in between.
  await page.goto(`${url}/dash?as=staff`)
  await page.waitForFunction(() => (window as any).__live.events.filter((e: { name: string }) => e.name === 'live:error').length === 2)
  const ids = await page.$$eval('[data-live-root]', (roots) => roots.map((r) => r.id))
  t.equal(ids.length, 2, 'the page holds the view and its embed')
  const errors: Array<{ id: string, code: string, message: string }> = (await liveEvents(page, 'live:error')).map((e) => ({ id: e.id, ...e.detail }))
  t.same(errors.map((e) => [e.id, e.code]).sort(), ids.map((id) => [id, 'forbidden']).sort(), 'both joins were refused as forbidden')
  t.match(errors[0]!.message, /the route \/dash requires the permission "staff"/)
  t.same(await page.$$eval('[data-live-root]', (roots) => roots.map((r) => [r.classList.contains('live-connected'), r.classList.contains('live-disconnected')])), [[false, true], [false, true]], 'neither view is connected')
})

t.test("an embedded view's token alone is refused when the page route's permissions are missing", async (t) => {
  const { app } = await serveWith(t, [['/dash', DashView, { permissions: 'staff' }]], {})
  const res = await app.inject('/dash?as=staff')
  const [, panel] = parseRoots(res.body)
  t.ok(panel, 'the page has the embed')

  const open = async (headers: Record<string, string>): Promise<LivePage> => {
    const page = new LivePage(res.body, parseRoots(res.body), await openSocket(app, headers))
    t.teardown(() => page.close())
    return page
  }
  const stranger = await open({})
  t.match(await stranger.send({ t: 'join', id: panel!.id, token: panel!.token }), { t: 'error', code: 'forbidden', id: panel!.id, message: /the route \/dash requires the permission "staff"/ }, "embeds are checked against their page's route")
  t.match(await stranger.event('increment', {}, { id: panel!.id }), { t: 'error', code: 'unknown_view' }, 'nothing was joined')

  const staff = await open({ 'x-perms': 'staff' })
  t.match(await staff.send({ t: 'join', id: panel!.id, token: panel!.token }), { t: 'reply', id: panel!.id }, 'with the permission the same token joins')
  t.match(await staff.event('increment', {}, { id: panel!.id }), { t: 'reply', v: 2 })
  t.equal(liveStats(app).views, 2, 'the embed joined; its page view still waits in the handoff')
})
