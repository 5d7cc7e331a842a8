import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { LiveView, eventHandler } from '../../lib/index.js'
import { liveStats, parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach, until } from '../helpers/live.js'

// What join.test.ts and test/unit/token.test.ts leave out: tokenMaxAge on a
// running app, and rewritten payloads that would reach a protected route.

let mounts = 0
let asked: string[] = []

class PublicView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { mounts++ }
  @eventHandler() increment () { this.count++ }
}

class AdminView extends LiveView {
  static override template = 'counter.njk'
  count = 0
  override mount () { mounts++ }
}

const permissions = (request: FastifyRequest) => { asked.push(request.url); return [] }
const routes = (): Array<[string, any, any?]> => [['/public', PublicView], ['/admin', AdminView, { permissions: 'admin' }]]
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>

t.beforeEach(() => { mounts = 0; asked = [] })

t.test('a token expires tokenMaxAge after the render; after that its join is refused', async (t) => {
  const app = await buildApp(t, routes(), { tokenMaxAge: 1, permissions })
  const before = Date.now()
  const res = await app.inject('/public')
  const after = Date.now()
  const [root] = parseRoots(res.body)
  const expiry = claimsOf(root!.token).x as number
  t.ok(expiry >= before + 1 && expiry <= after + 1, 'the expiry is the render time plus tokenMaxAge')
  await until(() => Date.now() > expiry, 'the token to expire')

  const { page, joins } = await attach(app, res.body)
  t.teardown(() => page.close())
  t.match(joins[0], { t: 'error', code: 'join_refused', id: root!.id, message: /the token has expired; reload the page/ })
  t.equal(liveStats(app).views, 1, 'the view rendered for it waits in the handoff, unjoined: an expired token does not reach it')
  t.match(await page.event('increment'), { t: 'error', code: 'unknown_view' })
})

t.test('tokens last 24 hours by default', async (t) => {
  const app = await buildApp(t, routes())
  const before = Date.now()
  const res = await app.inject('/public')
  const expiry = claimsOf(parseRoots(res.body)[0]!.token).x as number
  t.ok(expiry >= before + 86_400_000 && expiry <= Date.now() + 86_400_000, 'the expiry is the render time plus 86 400 000 ms')
})

t.test('a payload rewritten for another route, view or root is refused before anything is mounted or asked', async (t) => {
  const app = await buildApp(t, routes(), { permissions })
  const res = await app.inject('/public')
  const [root] = parseRoots(res.body)
  const [body, mac] = root!.token.split('.') as [string, string]
  const claims = claimsOf(root!.token)
  const { page } = await attach(app, res.body, {}, false)
  t.teardown(() => page.close())
  mounts = 0
  asked = []
  const rewrites: Array<[string, Record<string, unknown>, string]> = [
    ['another route', { r: '/admin' }, root!.id],
    ['an embed chain', { c: ['Admin'] }, root!.id],
    ['another root id', { i: 'lv-AAAAAAAAAA' }, 'lv-AAAAAAAAAA'],
    ['a later expiry', { x: Date.now() + 10 * 365 * 86_400_000 }, root!.id],
    ['other route params', { a: { id: '1' } }, root!.id],
  ]
  for (const [what, change, id] of rewrites) {
    const forged = Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')
    t.match(await page.send({ t: 'join', id, token: `${forged}.${mac}` }), { t: 'error', code: 'join_refused', id, message: /the token signature is invalid/ }, what)
  }
  t.equal(mounts, 0, 'no view was mounted')
  t.same(asked, [], 'the permissions resolver was never asked: the signature is checked first')
  t.match(await page.send({ t: 'join', id: root!.id, token: `${body}.${mac}` }), { t: 'reply', id: root!.id }, 'the genuine token still joins')
})
