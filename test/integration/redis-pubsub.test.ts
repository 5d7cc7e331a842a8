import { Redis } from 'ioredis'
import t, { type TAP } from 'tap'
import { DEFAULT_BATCH_MS } from '../../lib/presence.js'
import type { EngineLog } from '../../lib/pubsub.js'
import { DEFAULT_DEADLINE_MS, DEFAULT_HEARTBEAT_MS, expiryBoundMs, redisPubSub, type RedisEngine, type RedisEngineOptions } from '../../lib/redis/index.js'
import { engineContract, nextChange, recordingLog } from '../helpers/pubsub-contract.js'
import { inspect, startRedis, until } from '../helpers/redis.js'

const server = await startRedis(t)
const look = inspect(t, server.url)
let prefixes = 0

/** An engine on the test's server with a prefix of its own (so tests do not hear each other), closed with the test. */
function engine (t: TAP, log: EngineLog, options: Partial<RedisEngineOptions> = {}): RedisEngine {
  const made = redisPubSub({ redis: server.url, log, prefix: `p${++prefixes}:`, heartbeatMs: 100, deadlineMs: 300, ...options })
  t.teardown(() => made.close())
  return made
}

engineContract(t, 'redis', async (t, log) => {
  const made = engine(t, log)
  await made.ready()
  return made
})

const numsub = async (channel: string): Promise<number> => Number((await look.pubsub('NUMSUB', channel) as [string, number])[1])
const publishes = async (): Promise<number> => Number(/cmdstat_publish:calls=(\d+)/.exec(await look.info('commandstats'))?.[1] ?? 0)

t.test('a message crosses Redis once per process with listeners, not once per listener, and the publisher skips its echo', async (t) => {
  const prefix = `x${++prefixes}:`
  const a = engine(t, recordingLog(), { prefix })
  const b = engine(t, recordingLog(), { prefix })
  const c = engine(t, recordingLog(), { prefix })
  await Promise.all([a.ready(), b.ready(), c.ready()])
  const gotA: unknown[] = []
  const gotB: unknown[] = []
  for (let i = 0; i < 100; i++) a.pubsub.subscribe('room', (_topic, message) => { gotA.push(message) })
  for (let i = 0; i < 100; i++) b.pubsub.subscribe('room', (_topic, message) => { gotB.push(message) })
  await Promise.all([a.pubsub.synced(), b.pubsub.synced()])
  t.equal(await numsub(`${prefix}m:room`), 2, 'one subscription per process, whatever its listeners')
  t.equal(await numsub(`${prefix}m:other`), 0, 'a process subscribes only to topics it listens to')
  const before = await publishes()
  for (let i = 0; i < 5; i++) await a.pubsub.publish('room', { i })
  await c.pubsub.publish('room', 'fence')
  await until('b has every message', () => gotB.length === 600)
  await until('a has the fence', () => gotA.length === 600)
  t.equal(await publishes() - before, 6, 'one PUBLISH per message')
  t.same(gotA.slice(0, 500).map((m) => (m as { i: number }).i), [0, 1, 2, 3, 4].flatMap((i) => Array(100).fill(i)), 'the publisher heard its own messages once each, in order')
  t.equal(gotA[500], 'fence', 'and nothing came back from Redis before the fence')
  t.same(gotB.slice(0, 500).map((m) => (m as { i: number }).i), [0, 1, 2, 3, 4].flatMap((i) => Array(100).fill(i)), 'another process hears them in order')
  t.ok(Object.isFrozen(gotB[0]) && gotB[0] === gotB[1], 'a received message is one frozen copy for every listener')
})

t.test('10,000 listeners on one topic, all unsubscribed, leave no Redis subscription behind', async (t) => {
  const made = engine(t, recordingLog())
  await made.ready()
  const offs = Array.from({ length: 10_000 }, (_, i) => made.pubsub.subscribe(i % 2 === 0 ? 'big' : `topic${i % 100}`, () => {}))
  await made.pubsub.synced()
  t.equal(made.pubsub.topics, 51)
  t.equal((await look.pubsub('CHANNELS', `p${prefixes}:*`) as string[]).length, 51)
  for (const off of offs) off()
  t.equal(made.pubsub.topics, 0)
  await made.pubsub.synced()
  t.same(await look.pubsub('CHANNELS', `p${prefixes}:*`), [], 'PUBSUB CHANNELS is empty')
  t.equal(await numsub(`p${prefixes}:m:big`), 0)
})

t.test('presence spans processes: lists merge, changes are announced to the others', async (t) => {
  const prefix = `y${++prefixes}:`
  const a = engine(t, recordingLog(), { prefix })
  const b = engine(t, recordingLog(), { prefix })
  await Promise.all([a.ready(), b.ready()])
  // A view of b's listens all along (a listener's first read of the list is its starting point, not news).
  t.teardown(b.presence.onChange('room', () => {}))
  await a.presence.track('room', 'v1', 'ann', { tab: 1 })
  const heard = nextChange(b.presence, 'room', (list) => list.ann?.length === 2 && list.bob !== undefined)
  await b.presence.track('room', 'v2', 'ann', { tab: 2 })
  await a.presence.track('room', 'v3', 'bob', { tab: 3 })
  const { list } = await heard
  t.same(list.ann.map((m) => m.tab).sort(), [1, 2], 'one key on two processes has both metas')
  t.same(await a.presence.list('room'), await b.presence.list('room'))
  const left = nextChange(b.presence, 'room', (_list, diff) => Object.hasOwn(diff.leaves, 'bob'))
  await a.presence.untrackAll('v3')
  t.same((await left).diff, { joins: {}, leaves: { bob: [{ tab: 3 }] } })
  const closed = nextChange(b.presence, 'room', (_list, diff) => Object.hasOwn(diff.leaves, 'ann'))
  await a.close()
  t.same((await closed).list, { ann: [{ tab: 2 }] }, "a closing process's entries leave the others' lists at once")
  t.same(await look.hkeys(`${prefix}presence:room`), [`${b.id}:v2`])
  t.equal(await look.exists(`${prefix}process:${a.id}`), 0)
  t.equal(await look.zscore(`${prefix}processes`, a.id), null)
})

t.test('close quits the connections it opened, leaves no timers, and never closes the app client', async (t) => {
  const resources = (): string[] => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback').sort()
  const app = new Redis(server.url)
  t.teardown(() => app.disconnect())
  await new Promise((resolve) => app.once('ready', resolve))
  const clients = async (): Promise<number> => (await look.client('LIST') as string).split('\n').filter((l) => l.includes('name=fastify-live')).length
  const baseline = resources()
  const made = redisPubSub({ redis: app, log: recordingLog(), prefix: `z${++prefixes}:` })
  await made.ready()
  t.equal(await clients(), 2, 'a command and a subscriber connection, duplicated from the app client')
  made.pubsub.subscribe('t', () => {})
  made.presence.onChange('t', () => {})
  await made.presence.track('t', 'r', 'k', {})
  await made.close()
  await made.close()
  await until('its connections are gone', async () => await clients() === 0)
  t.equal(app.status, 'ready', 'the app client is still open')
  t.same(await app.ping(), 'PONG')
  t.same(await look.keys(`z${prefixes}:*`), [], 'no key of this process is left')
  await until('no timer or socket of the engine is left', () => resources().join() === baseline.join())
  t.same(resources(), baseline)
})

t.test('the default timings remove a dead process within 15 s', async (t) => {
  const bound = expiryBoundMs({ heartbeatMs: DEFAULT_HEARTBEAT_MS, deadlineMs: DEFAULT_DEADLINE_MS }, DEFAULT_BATCH_MS)
  t.ok(bound < 15_000 - 1_000, `deadline ${DEFAULT_DEADLINE_MS} + sweep ${DEFAULT_HEARTBEAT_MS} + batch ${DEFAULT_BATCH_MS} = ${bound} ms, with a second to spare`)
  t.ok(DEFAULT_DEADLINE_MS >= 2 * DEFAULT_HEARTBEAT_MS, 'one late beat does not remove a live process')
  t.throws(() => redisPubSub({ redis: server.url, log: recordingLog(), heartbeatMs: 100, deadlineMs: 150 }), { code: 'FST_LIVE_OPTIONS', message: /at least twice heartbeatMs/ })
  t.throws(() => redisPubSub({ redis: 42 as unknown as string, log: recordingLog() }), { code: 'FST_LIVE_OPTIONS', message: /redis:\/\/ URL or an ioredis client/ })
})

t.test('a process whose entries Redis lost, or that missed its deadline, writes them again', async (t) => {
  const prefix = `s${++prefixes}:`
  const a = engine(t, recordingLog(), { prefix })
  await a.ready()
  await a.presence.track('room', 'v1', 'ann', {})
  await a.presence.track('room', 'v2', 'bob', {})
  const hash = `${prefix}presence:room`
  t.equal(await look.hlen(hash), 2)
  // As if Redis restarted empty.
  await look.del(hash, `${prefix}process:${a.id}`, `${prefix}processes`)
  await until('its next beat wrote them again', async () => await look.hlen(hash) === 2)
  // As if it stalled past its deadline (and was perhaps half swept).
  await look.zadd(`${prefix}processes`, 0, a.id)
  await look.hdel(hash, `${a.id}:v1`)
  await until('its next beat started clean and wrote them again', async () => await look.hlen(hash) === 2 && Number(await look.zscore(`${prefix}processes`, a.id)) > 0)
  t.same((await look.hkeys(hash)).sort(), [`${a.id}:v1`, `${a.id}:v2`])
  // A track that finds the process unregistered also writes everything.
  await look.del(hash, `${prefix}process:${a.id}`, `${prefix}processes`)
  await a.presence.track('room', 'v3', 'cid', {})
  t.equal(await look.hlen(hash), 3, 'all three, right after the track')
})

t.test('Redis unreachable at start: logged once, local delivery works, close does not hang', async (t) => {
  const log = recordingLog()
  const made = redisPubSub({ redis: 'redis://127.0.0.1:1', log, prefix: 'nowhere:' })
  const got: unknown[] = []
  made.pubsub.subscribe('t', (_topic, message) => { got.push(message) })
  await until('the failure is logged', () => log.lines.length > 0)
  for (let i = 0; i < 50; i++) await made.pubsub.publish('t', i)
  await made.presence.track('t', 'r', 'k', { a: 1 })
  t.same(await made.presence.list('t'), { k: [{ a: 1 }] }, "this process's own presence is still known")
  t.equal(got.length, 50)
  await made.close()
  t.match(log.lines, [{ level: 'warn', msg: /Redis is unreachable/, obj: { err: { code: 'ECONNREFUSED' } } }])
  t.equal(log.lines.length, 1, 'once, not per attempt or per message')
})

t.test('what Redis refuses (a foreign key of the wrong type under the prefix) is logged once per reason and crashes nothing', async (t) => {
  const log = recordingLog()
  const prefix = `w${++prefixes}:`
  await look.set(`${prefix}presence:bad`, 'not a hash')
  const made = engine(t, log, { prefix })
  await made.ready()
  const heard = nextChange(made.presence, 'bad')
  await made.presence.track('bad', 'r1', 'k', {})
  await made.presence.track('bad', 'r2', 'k', {})
  await made.presence.untrack('bad', 'r2')
  t.same((await heard).list, { k: [{}] }, "this process's own entries are still listed")
  t.same(await made.presence.list('bad'), { k: [{}] })
  const refused = log.lines.filter((line) => line.level === 'error')
  t.ok(refused.length >= 1 && refused.every((line) => /Redis refused a command/.test(line.msg)), 'logged as refused')
  t.equal(new Set(refused.map((line) => (line.obj as { err: Error }).err.message)).size, refused.length, 'each reason once')
  // The registry itself of the wrong type: beats, rewrites and the final leave are refused too.
  await look.del(`${prefix}processes`)
  await look.set(`${prefix}processes`, 'not a zset')
  const before = log.lines.length
  await until('a beat was refused', () => log.lines.length > before)
  t.match(log.lines.at(-1), { level: 'error', obj: { err: { message: /WRONGTYPE/ } } })
  await made.close()
  t.pass('closed')
})

t.test('a message on a channel that is not JSON is logged, and the listeners keep working', async (t) => {
  const log = recordingLog()
  const made = engine(t, log)
  await made.ready()
  const got: unknown[] = []
  made.pubsub.subscribe('t', (_topic, message) => { got.push(message) })
  await made.pubsub.synced()
  await look.publish(`p${prefixes}:m:t`, 'someone {not json')
  await look.publish(`p${prefixes}:m:t`, 'someone "fine"')
  await until('the valid one arrived', () => got.length === 1)
  t.same(got, ['fine'])
  t.match(log.lines, [{ level: 'error', msg: /could not handle a message from Redis/ }])
})

t.test('publishes beyond the pending bound are dropped for other processes, not queued, and logged once', async (t) => {
  const log = recordingLog()
  const made = engine(t, log, { maxPendingBytes: 100 })
  const other = engine(t, recordingLog(), { prefix: `p${prefixes}:` })
  await Promise.all([made.ready(), other.ready()])
  const local: unknown[] = []
  const remote: unknown[] = []
  made.pubsub.subscribe('t', (_topic, message) => { local.push(message) })
  other.pubsub.subscribe('t', (_topic, message) => { remote.push(message) })
  await other.pubsub.synced()
  await Promise.all(Array.from({ length: 10 }, (_, i) => made.pubsub.publish('t', { i, pad: 'xxxxxxxxxxxxxxxxxxxx' })))
  t.equal(local.length, 10, 'local delivery takes everything')
  await made.pubsub.publish('t', 'after')
  await until('the pending ones and the next arrived', () => remote.includes('after'))
  t.ok(remote.length < 11, `some were dropped (${remote.length - 1} of 10 crossed)`)
  t.equal(log.lines.filter((line) => /not keeping up/.test(line.msg)).length, 1, 'logged once')
})

t.test('a presence change made while the list is being read is announced right after', async (t) => {
  const made = engine(t, recordingLog(), { batchMs: 0 })
  await made.ready()
  const changes: unknown[] = []
  const joined = nextChange(made.presence, 'r', (list) => list.k !== undefined)
  made.presence.onChange('r', (list) => { changes.push(list) })
  // Fires just after the first flush started reading Redis.
  setTimeout(() => { void made.presence.track('r', 'a', 'k', {}) }, 0)
  t.same((await joined).list, { k: [{}] })
})
