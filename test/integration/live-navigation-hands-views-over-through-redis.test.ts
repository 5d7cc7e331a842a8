import t from 'tap'
import { parseRoots } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { attach, openSocketPage } from '../helpers/live.js'
import { inspect, startRedis } from '../helpers/redis.js'
import { ItemsView, ItemView, resetSeen, seen } from '../fixtures/nav-views.js'

// Live navigation on an app that runs on Redis (docs/navigation.md,
// docs/scaling.md): a navigate mounts the new view and hands it over through
// the Redis handoff store, as a page's GET does, so the join that follows
// adopts it on whichever process it reaches: mount and handleParams run once,
// and the flash the old view set is in the render.

const redis = await startRedis(t)
const routes: Parameters<typeof buildApp>[1] = [['/items', ItemsView], ['/items/:id', ItemView]]
const a = await buildApp(t, routes, { redis: redis.url })
const b = await buildApp(t, routes, { redis: redis.url })
const client = inspect(t, redis.url)

t.beforeEach(() => resetSeen())

t.test('a navigate on one process is joined on the other with its state, its flash, and one mount', async (t) => {
  const { page } = await openSocketPage(a, '/items/7')
  const removed = await page.event('remove')
  t.same(removed.nav, { navigate: '/items' }, 'the handler asks for a navigation')
  const reply = await page.send({ t: 'navigate', id: page.roots[0]!.id, url: '/items?page=5&filter=tea' })
  t.equal(reply.t, 'reply')
  const root = String(reply.root)
  t.match(root, /Deleted item 7/, 'the flash the old view set is in the new render')
  t.match(root, /page=5 filter=tea/)
  t.same([seen.itemsMounts, seen.params], [1, ['/items?page=5&filter=tea']])
  const [rendered] = parseRoots(root)
  t.equal((await client.keys(`live:*:view:${rendered!.id}`)).length, 1, 'the view waits in Redis')

  // The socket drops before the join; the browser reconnects to the other process.
  page.close()
  const { page: there, joins } = await attach(b, root)
  t.teardown(() => there.close())
  t.match(joins[0], { t: 'reply' })
  t.notOk('html' in joins[0]!, 'the page already holds that render: the join adopts it')
  t.same([seen.itemsMounts, seen.params.length], [1, 1], 'neither mount nor handleParams ran again')
  t.same(await client.keys(`live:*:view:${rendered!.id}`), [], 'taken from Redis once')

  const touched = await there.event('touch')
  t.equal(touched.v, joins[0]!.v, 'an event that changes nothing renders what the navigate rendered: the state was adopted, not mounted anew')
  await there.event('next')
  t.match(there.html(), /page=6 filter=/, 'and the next page is counted from it')
})

t.test('a navigate joined on its own process takes the view back from Redis once', async (t) => {
  const { page } = await openSocketPage(a, '/items')
  const reply = await page.navigate('/items/3')
  t.equal(reply.t, 'reply')
  t.match(page.html(), /item=3/)
  t.equal(seen.itemMounts, 1)
  t.same(await client.keys(`live:*:view:${page.roots[0]!.id}`), [], 'the entry in Redis was taken: a second join cannot adopt it again')
  page.close()
})
