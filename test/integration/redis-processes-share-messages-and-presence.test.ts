import t from 'tap'
import { redisPubSub } from '../../lib/redis/index.js'
import { nextChange, recordingLog } from '../helpers/pubsub-contract.js'
import { inspect, spawnPeer, startRedis, until } from '../helpers/redis.js'

// Two real Node processes on one real redis-server: this test's process and
// test/fixtures/redis-peer.ts.

const server = await startRedis(t)
const look = inspect(t, server.url)
const timing = { heartbeatMs: 100, deadlineMs: 300 }

t.test('messages cross to the other process exactly once, in order, both ways', async (t) => {
  const here = redisPubSub({ redis: server.url, log: recordingLog(), prefix: 'a:', batchMs: 20, ...timing })
  t.teardown(() => here.close())
  const peer = await spawnPeer(t, server.url, 'a:', timing)
  await here.ready()
  const got: unknown[] = []
  here.pubsub.subscribe('room', (_topic, message) => { got.push(message) })
  await here.pubsub.synced()
  await peer.call('subscribe', { topic: 'room' })
  await peer.call('publish', { topic: 'room', count: 200 })
  await peer.call('publish', { topic: 'room', message: 'fence' })
  await until('the fence arrived here', () => got.includes('fence'))
  t.same(got.slice(0, 200).map((m) => (m as { i: number }).i), Array.from({ length: 200 }, (_, i) => i), 'every message once, in the order sent')
  t.equal(got.length, 201)

  await here.pubsub.publish('room', { from: 'here' })
  await here.pubsub.publish('room', 'fence2')
  await peer.waitFor('fence2 reached the peer', (line) => line.ev === 'message' && line.message === 'fence2')
  const peerGot = peer.lines.filter((line) => line.ev === 'message').map((line) => line.message)
  t.equal(peerGot.filter((m) => (m as { from?: string }).from === 'here').length, 1, 'the other process gets it once')
  t.equal(peerGot.filter((m) => m === 'fence').length, 1, 'the publishing process got its own message once, from its own listeners')
  t.equal(got.filter((m) => (m as { from?: string }).from === 'here').length, 1, 'and so did this one')

  await peer.call('unsubscribe', { topic: 'room' })
  await until('the peer left the channel', async () => Number((await look.pubsub('NUMSUB', 'a:m:room') as [string, number])[1]) === 1)
  t.equal(peer.exitCode, null, 'the peer never crashed')
})

t.test("presence spans processes, and a killed process's entries leave the others' lists", async (t) => {
  const here = redisPubSub({ redis: server.url, log: recordingLog(), prefix: 'b:', batchMs: 20, ...timing })
  t.teardown(() => here.close())
  await here.ready()
  const changes: Array<{ list: Record<string, unknown[]>, diff: { leaves: Record<string, unknown[]> } }> = []
  t.teardown(here.presence.onChange('room', (list, diff) => { changes.push({ list, diff }) }))
  await here.presence.track('room', 'v1', 'ann', { where: 'here' })
  const peer = await spawnPeer(t, server.url, 'b:', timing)
  await peer.call('watch', { topic: 'room' })
  const joined = nextChange(here.presence, 'room', (list) => list.bob !== undefined)
  await peer.call('track', { topic: 'room', ref: 'v2', key: 'bob', meta: { where: 'peer' } })
  await peer.call('track', { topic: 'room', ref: 'v3', key: 'ann', meta: { where: 'peer' } })
  t.same((await joined).list.bob, [{ where: 'peer' }])
  await peer.waitFor('the peer sees both processes', (line) => line.ev === 'presence' && line.list?.bob !== undefined && line.list?.ann?.length === 2)
  t.same(await peer.call('list', { topic: 'room' }), await here.presence.list('room'), 'both processes list the same')

  const left = nextChange(here.presence, 'room', (_list, diff) => Object.hasOwn(diff.leaves, 'bob'))
  await peer.kill('SIGKILL')
  const { list, diff } = await left
  t.same(list, { ann: [{ where: 'here' }] }, 'only this process is left')
  t.same(diff.leaves, { ann: [{ where: 'peer' }], bob: [{ where: 'peer' }] })
  t.same(await look.hkeys('b:presence:room'), [`${here.id}:v1`], 'and Redis holds nothing of the dead process')
  t.equal(await look.exists(`b:process:${peer.id}`), 0)
})

t.test('a peer that closes leaves nothing in Redis and exits by itself', async (t) => {
  const peer = await spawnPeer(t, server.url, 'c:', timing)
  await peer.call('subscribe', { topic: 'x' })
  await peer.call('track', { topic: 'x', ref: 'r', key: 'k', meta: {} })
  t.ok((await look.keys('c:*')).length > 0)
  await peer.call('close')
  t.same(await look.keys('c:*'), [])
  t.same(await look.pubsub('CHANNELS', 'c:*'), [])
  await until('the peer exited with nothing left to do', () => peer.exitCode !== null)
  t.equal(peer.exitCode, 0)
})
