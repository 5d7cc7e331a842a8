import t, { type Test } from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import { Writable } from 'node:stream'
import { missingPermissions } from '../../lib/permissions.js'

// lib/permissions.ts: what a request lacks of `required`, by the app's
// resolver (for a GET, a join and a @permissionRequired handler alike), on a
// real Fastify request. A resolver that throws grants nothing and is logged.

type Resolver = (request: FastifyRequest) => Iterable<string> | Promise<Iterable<string>>

/** Asks missingPermissions from inside a real request (with `?as=...` as the user's permissions); collects the log. */
async function ask (t: Test, permissions: Resolver, required: string[], query = ''): Promise<{ missing: string | null, logs: Array<Record<string, any>> }> {
  const logs: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _enc, done) { logs.push(JSON.parse(String(chunk))); done() } })
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  app.get('/', async (request) => ({ missing: await missingPermissions({ permissions: permissions as any }, request, required) }))
  const res = await app.inject({ url: `/${query}` })
  return { missing: res.json().missing, logs }
}

const fromQuery: Resolver = (request) => String((request.query as { as?: string }).as ?? '').split(',').filter(Boolean)

t.test('every permission granted: nothing is missing', async (t) => {
  t.same(await ask(t, fromQuery, ['admin', 'billing'], '?as=billing,admin,other'), { missing: null, logs: [] })
  t.equal((await ask(t, fromQuery, [], '')).missing, null, 'nothing required, nothing missing')
})

t.test('what is missing is named: one permission, or several, in the order required', async (t) => {
  t.equal((await ask(t, fromQuery, ['admin'], '?as=user')).missing, 'the permission "admin"')
  t.equal((await ask(t, fromQuery, ['admin', 'user', 'billing'], '?as=user')).missing, 'the permissions "admin", "billing"')
})

t.test('an async resolver, and one that returns any iterable', async (t) => {
  t.equal((await ask(t, async () => await Promise.resolve(['admin']), ['admin'])).missing, null)
  t.equal((await ask(t, () => new Set(['a']), ['a', 'b'])).missing, 'the permission "b"')
})

t.test('a resolver that throws or rejects grants nothing, and says so in the log', async (t) => {
  for (const resolver of [() => { throw new Error('db down') }, async () => { throw new Error('db down') }] as Resolver[]) {
    const { missing, logs } = await ask(t, resolver, ['admin', 'user'], '?as=admin,user')
    t.equal(missing, 'the permission admin, user (the permissions resolver failed)')
    t.match(logs, [{ level: 40, msg: 'fastify-live: the permissions resolver threw; refusing', err: { message: 'db down' } }])
  }
})
