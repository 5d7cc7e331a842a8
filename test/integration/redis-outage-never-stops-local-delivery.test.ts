import t from 'tap'
import { redisPubSub } from '../../lib/redis/index.js'
import type { Metas, PresenceDiff } from '../../lib/presence.js'
import { recordingLog } from '../helpers/pubsub-contract.js'
import { inspect, spawnPeer, startRedis, until } from '../helpers/redis.js'

// redis-server is stopped and started again (empty) in the middle of the test,
// with two processes using it.

t.test('Redis going away: no crash, local delivery goes on, logged once; when it is back, cross-process delivery and presence resume', async (t) => {
  const server = await startRedis(t)
  const look = inspect(t, server.url)
  const log = recordingLog()
  const here = redisPubSub({ redis: server.url, log, prefix: 'o:', batchMs: 20, heartbeatMs: 100, deadlineMs: 300 })
  t.teardown(() => here.close())
  const peer = await spawnPeer(t, server.url, 'o:')
  await here.ready()
  const got: unknown[] = []
  here.pubsub.subscribe('room', (_topic, message) => { got.push(message) })
  await here.pubsub.synced()
  await peer.call('subscribe', { topic: 'room' })
  await peer.call('watch', { topic: 'room' })
  await here.presence.track('room', 'v1', 'ann', {})
  await peer.call('publish', { topic: 'room', message: 'before' })
  await until('cross-process delivery works', () => got.includes('before'))

  await server.stop()
  await until('the outage is noticed', () => log.lines.length > 0)
  for (let i = 0; i < 100; i++) await here.pubsub.publish('room', { during: i })
  t.equal(got.filter((m) => (m as { during?: number }).during !== undefined).length, 100, 'every message reached the local listener; none threw')
  await here.presence.track('room', 'v2', 'bob', {})
  t.same(Object.keys(await here.presence.list('room')).sort(), ['ann', 'bob'], "this process's presence is still current locally")
  t.match(log.lines, [{ level: 'warn', msg: /Redis is unreachable/ }])

  await server.start()
  await until('Redis is back, says the log', () => log.lines.length > 1)
  await until('both processes subscribed again', async () => Number((await look.pubsub('NUMSUB', 'o:m:room') as [string, number])[1]) === 2)
  await peer.call('publish', { topic: 'room', message: 'after' })
  await until('cross-process delivery resumed', () => got.includes('after'))
  await here.pubsub.publish('room', 'back')
  await peer.waitFor('the peer hears this process again', (line) => line.ev === 'message' && line.message === 'back')
  await peer.waitFor("the peer lists this process's entries again, written back after the restart", (line) => line.ev === 'presence' && line.list?.ann !== undefined && line.list?.bob !== undefined)
  t.same((await look.hkeys('o:presence:room')).sort(), [`${here.id}:v1`, `${here.id}:v2`])

  t.same(log.lines.map((line) => line.level), ['warn', 'info'], 'one line when it went, one when it came back, whatever was published between')
  t.match(log.lines[1], { msg: /Redis is back/ })
  const peerLogs = peer.lines.filter((line) => line.ev === 'log').map((line) => line.level)
  t.same(peerLogs, ['warn', 'info'], 'the same in the other process')
  t.equal(peer.exitCode, null, 'neither process crashed')
})

t.test('a presence listener that starts while Redis is away hears the other processes\' entries as joins once it is back', async (t) => {
  const server = await startRedis(t)
  const log = recordingLog()
  const here = redisPubSub({ redis: server.url, log, prefix: 'l:', batchMs: 20, heartbeatMs: 100, deadlineMs: 300 })
  t.teardown(() => here.close())
  const peer = await spawnPeer(t, server.url, 'l:')
  await here.ready()
  await peer.call('track', { topic: 'hall', ref: 'p1', key: 'cat', meta: {} })

  await server.stop()
  await until('the outage is noticed', () => log.lines.length > 0)
  const changes: Array<{ list: Metas, diff: PresenceDiff }> = []
  here.presence.onChange('hall', (list, diff) => { changes.push({ list, diff }) })
  await here.presence.track('hall', 'h1', 'dog', {})
  // The listener's first change ran its first read of the list, which Redis could not answer.
  await until('the listener hears its own process', () => changes.length === 1)
  t.same(changes[0]!.list, { dog: [{}] }, 'while Redis is away: this process\'s entries only')
  t.same(await here.presence.list('hall'), { dog: [{}] }, 'and list() says the same')

  await server.start()
  await until('the peer\'s entry, written back after the restart, reaches the listener', () => changes.length > 1 && changes.at(-1)!.list.cat !== undefined)
  t.same(changes.at(-1)!.list, { cat: [{}], dog: [{}] })
  t.ok(changes.some((c) => c.diff.joins.cat !== undefined), 'cat came as a join, not as a silent starting point')
})
