import t from 'tap'
import { diffEntries, memoryPresence, type PresenceEntry } from '../../lib/presence.js'
import { nextChange } from '../helpers/pubsub-contract.js'

const entry = (key: string, meta: Record<string, unknown>): PresenceEntry => ({ key, meta, json: JSON.stringify([key, meta]) })

t.test('diffEntries: joins, leaves, a changed meta as both, nothing for no change', async (t) => {
  const a = entry('ann', { tab: 1 })
  const b = entry('bob', { tab: 2 })
  const b2 = entry('bob', { tab: 2, away: true })
  t.equal(diffEntries(new Map([['1', a]]), new Map([['1', { ...a }]])), undefined, 'equal text is no change')
  t.same(diffEntries(new Map([['1', a], ['2', b]]), new Map([['2', b2], ['3', a]])), {
    joins: { bob: [{ tab: 2, away: true }], ann: [{ tab: 1 }] },
    leaves: { bob: [{ tab: 2 }], ann: [{ tab: 1 }] },
  })
})

t.test('the batch window is an option, and each window is one call', async (t) => {
  const presence = memoryPresence({ batchMs: 0 })
  t.teardown(() => presence.close())
  const first = nextChange(presence, 'r')
  await presence.track('r', 'a', 'k', { n: 1 })
  t.same((await first).diff, { joins: { k: [{ n: 1 }] }, leaves: {} })
  const second = nextChange(presence, 'r')
  await presence.untrack('r', 'a')
  t.same((await second).diff, { joins: {}, leaves: { k: [{ n: 1 }] } })
})

t.test('the meta size limit is an option; metas are copies', async (t) => {
  const presence = memoryPresence({ maxMetaBytes: 10 })
  t.teardown(() => presence.close())
  await t.rejects(presence.track('r', 'a', 'k', { long: 'xxxxxxxxxx' }), { code: 'FST_LIVE_PRESENCE' })
  const meta = { n: 1 }
  await presence.track('r', 'a', 'k', meta)
  meta.n = 2
  t.same(await presence.list('r'), { k: [{ n: 1 }] })
})
