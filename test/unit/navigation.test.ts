import t from 'tap'
import Fastify from 'fastify'
import { Flash, localPath, MAX_FLASH_KINDS, Navigator, openFlash, redirectUrl, sealFlash } from '../../lib/navigation.js'
import type { LiveRoute } from '../../lib/core.js'

t.test('localPath takes path-absolute URLs of this site only', async (t) => {
  for (const ok of ['/', '/items?page=2', '/a/b#c']) t.equal(localPath(ok), ok, ok)
  for (const bad of ['', 'items', '//evil.example', '/\\evil.example', 'https://evil.example/', '/a\nb', '/a\\b', 'x'.repeat(3000), 42, null]) {
    t.equal(localPath(bad), null, JSON.stringify(bad))
  }
})

t.test('redirectUrl: local paths; another origin only when external, and only http(s)', async (t) => {
  t.equal(redirectUrl('/login', false, 'V'), '/login')
  t.equal(redirectUrl('https://example.com/x', true, 'V'), 'https://example.com/x')
  t.throws(() => redirectUrl('https://example.com/x', false, 'V'), { code: 'FST_LIVE_NAVIGATION', message: /external: true/ })
  t.throws(() => redirectUrl('javascript:alert(1)', true, 'V'), { code: 'FST_LIVE_NAVIGATION', message: /http\(s\)/ })
  t.throws(() => redirectUrl('//evil.example', true, 'V'), { code: 'FST_LIVE_NAVIGATION' })
})

t.test('a flash lives until the second navigation after it was set', async (t) => {
  const f = new Flash()
  f.put('info', 'Saved', 'V')
  t.equal(f.get('info'), 'Saved')
  t.same(f.cross(), { info: 'Saved' }, 'the first navigation carries it')
  t.equal(f.get('info'), 'Saved', 'and this view still shows it')
  t.equal(f.cross(), undefined, 'the next one carries nothing')
  t.equal(f.get('info'), '')
  t.ok(f.empty)
  const g = new Flash()
  g.arrive({ info: 'Carried' })
  t.equal(g.get('info'), 'Carried')
  t.equal(g.cross(), undefined, 'a carried flash is not carried again')
  t.equal(g.get('info'), '')
})

t.test('flash is bounded and checked', async (t) => {
  const f = new Flash()
  t.throws(() => f.put('no spaces', 'x', 'V'), { code: 'FST_LIVE_NAVIGATION' })
  t.throws(() => f.put('info', 'x'.repeat(2000), 'V'), { code: 'FST_LIVE_NAVIGATION' })
  t.throws(() => f.put('info', 42 as unknown as string, 'V'), { code: 'FST_LIVE_NAVIGATION' })
  for (let k = 0; k < MAX_FLASH_KINDS; k++) f.put(`k${k}`, 'x', 'V')
  t.throws(() => f.put('one-more', 'x', 'V'), { code: 'FST_LIVE_NAVIGATION', message: /at most 16/ })
  f.put('k0', 'replaced', 'V')
  t.equal(f.get('k0'), 'replaced', 'a kind already there is replaced')
  const g = new Flash()
  const many: Record<string, string> = {}
  for (let k = 0; k < 40; k++) many[`k${k}`] = 'y'.repeat(5000)
  g.arrive(many)
  t.equal(g.get('k15').length, 1024, 'carried messages are cut to the limit')
  t.equal(g.get('k16'), '', 'and kinds past the limit dropped')
})

t.test('sealed flash: signed, expiring, tamper-proof', async (t) => {
  const sealed = sealFlash('s3cret', { info: 'Hi' }, 1000)
  t.same(openFlash('s3cret', sealed, 2000), { info: 'Hi' })
  t.equal(openFlash('s3cret', sealed, 1000 + 61_000), undefined, 'expired')
  t.equal(openFlash('other', sealed, 2000), undefined, 'another secret')
  t.equal(openFlash('s3cret', undefined), undefined)
  t.equal(openFlash('s3cret', 'nodot'), undefined)
  t.equal(openFlash('s3cret', '.abc'), undefined)
  const body = Buffer.from('not json').toString('base64url')
  const { createHmac } = await import('node:crypto')
  const mac = createHmac('sha256', 's3cret').update('flash:' + body).digest('base64url')
  t.equal(openFlash('s3cret', `${body}.${mac}`), undefined, 'a signed body that is not JSON')
})

t.test('Navigator: route patterns it cannot read are left to page loads', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const route = (key: string): LiveRoute => ({ key, info: {} as LiveRoute['info'], permissions: [], layout: false })
  app.get('/re/:id(^\\d+$)', async () => '')
  app.get('/two/:a-:b', async () => '')
  app.get('/static', async () => '')
  await app.ready()
  const nav = new Navigator(app)
  nav.add(route('/re/:id(^\\d+$)'))
  nav.add(route('/two/:a-:b'))
  nav.add(route('/static'))
  t.throws(() => nav.match('/re/5'), { code: 'not_live' })
  t.throws(() => nav.match('/two/x-y'), { code: 'not_live' })
  t.equal(nav.match('/static?x=1').route.key, '/static')
  t.same(nav.match('/static?x=1').query, { x: '1' })
})

t.test('Navigator: a router that throws on a URL makes it no live route', async (t) => {
  const nav = new Navigator({ findRoute () { throw new Error('bad URI') } } as unknown as ConstructorParameters<typeof Navigator>[0])
  t.throws(() => nav.match('/x'), { code: 'not_live' })
})
