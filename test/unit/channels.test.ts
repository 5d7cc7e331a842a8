import t, { type Test } from 'tap'
import { Channels, MAX_TOPICS_PER_VIEW, type ChannelHost, type Engines } from '../../lib/channels.js'
import { memoryPubSub } from '../../lib/pubsub.js'
import { memoryPresence, type Metas, type PresenceDiff, type Presence } from '../../lib/presence.js'

// lib/channels.ts: one view's subscriptions and presence. What is asked for
// before the view joins is recorded and takes effect on activate(); close()
// ends it all; state()/restore() carry it as plain data. Real memory engines.

const quiet = { info () {}, warn () {}, error () {} }

interface Heard { messages: Array<[string, unknown]>, presence: Array<[string, Metas, PresenceDiff]>, failures: string[] }

function setup (t: Test, id = 'lv-view000001', presence: Presence = memoryPresence({ batchMs: 0, log: quiet })): { channels: Channels, engines: Engines, heard: Heard } {
  const engines = { pubsub: memoryPubSub({ log: quiet }), presence }
  t.teardown(async () => { await engines.pubsub.close(); await engines.presence.close() })
  const heard: Heard = { messages: [], presence: [], failures: [] }
  const host: ChannelHost = {
    id,
    onMessage: (topic, message) => { heard.messages.push([topic, message]) },
    onPresence: (topic, list, diff) => { heard.presence.push([topic, list, diff]) },
    failed: (_err, what) => { heard.failures.push(what) },
  }
  return { channels: new Channels(host, engines), engines, heard }
}

/** Until the presence listeners have been called (batchMs 0: the next timer turn). */
const settle = async (): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, 5)) }

t.test('a subscription made before the view joins hears nothing until activate()', async (t) => {
  const { channels, engines, heard } = setup(t)
  channels.subscribe('room')
  t.equal(channels.topicCount, 1)
  t.equal(engines.pubsub.topics, 0, 'nothing is subscribed on the engine yet')
  await engines.pubsub.publish('room', 'before')
  t.same(heard.messages, [], 'a message before the join is not heard')

  channels.activate()
  t.equal(engines.pubsub.topics, 1)
  await engines.pubsub.publish('room', 'after')
  t.same(heard.messages, [['room', 'after']])
  channels.activate()
  await engines.pubsub.publish('room', 'again')
  t.same(heard.messages, [['room', 'after'], ['room', 'again']], 'a second activate() subscribes nothing twice')
})

t.test('subscribing twice is one subscription; unsubscribing stops delivery', async (t) => {
  const { channels, engines, heard } = setup(t)
  channels.activate()
  channels.subscribe('a')
  channels.subscribe('a')
  await engines.pubsub.publish('a', 1)
  t.same(heard.messages, [['a', 1]], 'delivered once')
  channels.unsubscribe('a')
  channels.unsubscribe('never')
  await engines.pubsub.publish('a', 2)
  t.same(heard.messages, [['a', 1]])
  t.equal(engines.pubsub.topics, 0, 'the engine has no listener left')
  t.equal(channels.topicCount, 0)
})

t.test('the view\'s own listener is exposed, so a publish can leave it out', async (t) => {
  const { channels, engines, heard } = setup(t)
  channels.activate()
  channels.subscribe('a')
  await engines.pubsub.publish('a', 'not to me', channels.listener)
  t.same(heard.messages, [])
})

t.test('a bad topic is refused with the engine\'s error', async (t) => {
  const { channels } = setup(t)
  t.throws(() => channels.subscribe(''), { code: 'FST_LIVE_TOPIC' })
  await t.rejects(async () => await channels.track(42 as unknown as string, 'k', {}), { code: 'FST_LIVE_TOPIC' })
})

t.test('a view may subscribe to at most MAX_TOPICS_PER_VIEW topics, and track on as many', async (t) => {
  const { channels } = setup(t)
  for (let k = 0; k < MAX_TOPICS_PER_VIEW; k++) channels.subscribe(`t${k}`)
  channels.subscribe('t0')
  t.throws(() => channels.subscribe('one-more'), { name: 'RangeError', message: /at most 100 topics; "one-more" is one more/ })
  t.equal(channels.topicCount, MAX_TOPICS_PER_VIEW)

  for (let k = 0; k < MAX_TOPICS_PER_VIEW; k++) await channels.track(`t${k}`, 'k', {})
  await channels.track('t0', 'k', { again: true })
  await t.rejects(channels.track('one-more', 'k', {}), { name: 'RangeError', message: /track on at most 100 topics/ })
  t.equal(channels.state()!.tracks.length, MAX_TOPICS_PER_VIEW, 're-tracking a topic is not one more')
})

t.test('tracks made before the join take effect on activate(); subscribers hear the presence', async (t) => {
  const { channels, engines, heard } = setup(t)
  await channels.track('room', 'ann', { tab: 1 })
  t.same(await engines.presence.list('room'), {}, 'not tracked before the join')
  channels.subscribe('room')
  channels.activate()
  await settle()
  t.same(await engines.presence.list('room'), { ann: [{ tab: 1 }] })
  t.match(heard.presence.at(-1), ['room', { ann: [{ tab: 1 }] }, { joins: { ann: [{ tab: 1 }] } }], 'the view heard its own join')

  await channels.track('room', 'ann', { tab: 2 })
  t.same(await engines.presence.list('room'), { ann: [{ tab: 2 }] }, 'once joined, a track goes to the engine at once')
  await channels.untrack('room')
  t.same(await engines.presence.list('room'), {})
  await channels.untrack('room')
  t.pass('untracking what is not tracked is a no-op')
})

t.test('untrack before the join only forgets the track', async (t) => {
  const { channels, engines } = setup(t)
  await channels.track('room', 'ann', {})
  await channels.untrack('room')
  channels.activate()
  await settle()
  t.same(await engines.presence.list('room'), {})
  t.equal(channels.state(), undefined)
})

t.test('close() ends every subscription and track, once; nothing is recorded after it', async (t) => {
  const { channels, engines, heard } = setup(t)
  channels.subscribe('a')
  await channels.track('a', 'ann', {})
  channels.activate()
  await settle()
  channels.close()
  channels.close()
  await settle()
  t.equal(engines.pubsub.topics, 0, 'no listener left on the engine')
  t.same(await engines.presence.list('a'), {}, 'its tracks are gone')
  channels.subscribe('b')
  await channels.track('b', 'ann', {})
  t.equal(channels.state(), undefined, 'a closed view records nothing')
  channels.activate()
  await engines.pubsub.publish('b', 'x')
  t.same(heard.messages, [], 'and activate() after close() does nothing')
})

t.test('closing a view that never joined leaves the engines alone', async (t) => {
  let calls = 0
  const presence = memoryPresence({ batchMs: 0, log: quiet })
  const untrackAll = presence.untrackAll.bind(presence)
  presence.untrackAll = async (ref) => { calls++; await untrackAll(ref) }
  const { channels } = setup(t, 'lv-view000002', presence)
  await channels.track('a', 'ann', {})
  channels.close()
  t.equal(calls, 0, 'nothing to untrack on the engine')
})

t.test('state() and restore() carry subscriptions and tracks as plain data', async (t) => {
  const first = setup(t)
  t.equal(first.channels.state(), undefined, 'nothing to carry')
  first.channels.subscribe('a')
  first.channels.subscribe('b')
  await first.channels.track('a', 'ann', { tab: 1 })
  const state = first.channels.state()!
  t.same(JSON.parse(JSON.stringify(state)), { topics: ['a', 'b'], tracks: [['a', 'ann', { tab: 1 }]] })

  const second = setup(t, 'lv-view000003')
  second.channels.restore(JSON.parse(JSON.stringify(state)))
  t.same(second.channels.state(), state)
  second.channels.activate()
  await settle()
  await second.engines.pubsub.publish('b', 'hi')
  t.same(second.heard.messages, [['b', 'hi']], 'the restored view hears its topics once joined')
  t.same(await second.engines.presence.list('a'), { ann: [{ tab: 1 }] }, 'and is tracked')
})

t.test('an engine failure where nobody awaits it is reported to the host, naming the call', async (t) => {
  const presence = memoryPresence({ batchMs: 0, log: quiet })
  presence.track = async () => { throw new Error('down') }
  presence.untrackAll = async () => { throw new Error('down') }
  const { channels, heard } = setup(t, 'lv-view000004', presence)
  await channels.track('room', 'ann', {})
  channels.activate()
  await settle()
  channels.close()
  await settle()
  t.same(heard.failures, ['track("room")', 'untrack'])
})
