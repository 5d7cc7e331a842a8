import t from 'tap'
import { memoryPresence } from '../../lib/presence.js'
import { memoryPubSub } from '../../lib/pubsub.js'
import { engineContract, recordingLog } from '../helpers/pubsub-contract.js'

// The in-process engine passes the same contract as the Redis one (test/integration/redis-pubsub.test.ts).
engineContract(t, 'memory', async (t, log) => {
  const engine = { pubsub: memoryPubSub({ log }), presence: memoryPresence({ log }) }
  t.teardown(async () => {
    await engine.pubsub.close()
    await engine.presence.close()
  })
  return engine
})

t.test('memory: the message size limit is an option', async (t) => {
  const pubsub = memoryPubSub({ log: recordingLog(), maxMessageBytes: 10 })
  await t.rejects(pubsub.publish('t', 'x'.repeat(20)), { code: 'FST_LIVE_PUBLISH', message: /more than the limit of 10/ })
  await pubsub.publish('t', 'short')
})

t.test('memory: 10,000 listeners of one topic, all unsubscribed, leave nothing behind', async (t) => {
  const pubsub = memoryPubSub()
  let got = 0
  const offs = Array.from({ length: 10_000 }, () => pubsub.subscribe('big', () => { got++ }))
  t.equal(pubsub.topics, 1)
  await pubsub.publish('big', { n: 1 })
  t.equal(got, 10_000)
  for (const off of offs) off()
  t.equal(pubsub.topics, 0)
  await pubsub.synced()
})
