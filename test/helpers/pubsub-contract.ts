import type { TAP } from 'tap'
import type { Metas, Presence, PresenceDiff } from '../../lib/presence.js'
import type { EngineLog, PubSub } from '../../lib/pubsub.js'

/**
 * The contract of the publish/subscribe and presence engine (API.md §6),
 * run against the memory implementation and the Redis one (STYLE.md 13):
 * two implementations passing the same tests prove the interface.
 */

export interface Engine { pubsub: PubSub, presence: Presence }
export interface Logged { level: string, msg: string, obj: object }
type Make = (t: TAP, log: EngineLog) => Promise<Engine>

export function recordingLog (): EngineLog & { lines: Logged[] } {
  const lines: Logged[] = []
  return {
    lines,
    info (obj, msg) { lines.push({ level: 'info', msg, obj }) },
    warn (obj, msg) { lines.push({ level: 'warn', msg, obj }) },
    error (obj, msg) { lines.push({ level: 'error', msg, obj }) },
  }
}

/** Resolves with the first change of `topic` for which `accept` holds (and stops listening). */
export async function nextChange (presence: Presence, topic: string, accept: (list: Metas, diff: PresenceDiff) => boolean = () => true): Promise<{ list: Metas, diff: PresenceDiff }> {
  return await new Promise((resolve) => {
    const stop = presence.onChange(topic, (list, diff) => {
      if (!accept(list, diff)) return
      stop()
      resolve({ list, diff })
    })
  })
}

const count = (metas: Metas): number => Object.values(metas).reduce((n, list) => n + list.length, 0)

export function engineContract (t: TAP, name: string, make: Make): void {
  t.test(`${name}: a message reaches every listener of its topic, once, in the order sent`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const a: unknown[] = []
    const b: unknown[] = []
    const other: unknown[] = []
    pubsub.subscribe('room:1', (topic, message) => { a.push([topic, message]) })
    pubsub.subscribe('room:1', (_topic, message) => { b.push(message) })
    pubsub.subscribe('room:2', (_topic, message) => { other.push(message) })
    await pubsub.synced()
    const sent = { from: 'x', text: 'hi', n: [1, 2, { deep: true }] }
    for (let i = 0; i < 3; i++) await pubsub.publish('room:1', { ...sent, i })
    t.same(a, [0, 1, 2].map((i) => ['room:1', { ...sent, i }]), 'local listeners are served at once, without a round trip')
    t.same(b.map((m) => (m as { i: number }).i), [0, 1, 2])
    t.same(other, [], 'another topic hears nothing')
    t.equal(a.length, 3)
  })

  t.test(`${name}: listeners share one frozen copy, never the publisher's object`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: unknown[] = []
    pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    const sent = { list: [1], nested: { a: 1 } }
    await pubsub.publish('t', sent)
    t.not(got[0], sent, 'a copy')
    t.equal(got[0], got[1], 'one copy for every listener')
    t.ok(Object.isFrozen(got[0]) && Object.isFrozen((got[0] as typeof sent).nested), 'frozen all the way down')
    sent.list.push(2)
    t.same(got[0], { list: [1], nested: { a: 1 } }, 'later changes by the publisher do not reach listeners')
  })

  t.test(`${name}: the except listener is skipped`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: string[] = []
    const self = (): void => { got.push('self') }
    pubsub.subscribe('t', self)
    pubsub.subscribe('t', () => { got.push('other') })
    await pubsub.publish('t', 1, self)
    t.same(got, ['other'])
  })

  t.test(`${name}: unsubscribing is idempotent and topics go back to zero`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: unknown[] = []
    const listener = (_topic: string, message: unknown): void => { got.push(message) }
    const off1 = pubsub.subscribe('t', listener)
    const off2 = pubsub.subscribe('t', listener)
    const off3 = pubsub.subscribe('u', listener)
    t.equal(pubsub.topics, 2)
    await pubsub.publish('t', 'once')
    t.same(got, ['once'], 'one function subscribed twice hears a message once')
    off1()
    off1()
    t.equal(pubsub.topics, 2, 'the second subscription of the same function still holds')
    await pubsub.publish('t', 'still')
    off2()
    off3()
    off3()
    t.equal(pubsub.topics, 0)
    await pubsub.publish('t', 'nobody')
    t.same(got, ['once', 'still'])
  })

  t.test(`${name}: a listener that subscribes or unsubscribes while called changes the next delivery`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: string[] = []
    let offB = (): void => {}
    pubsub.subscribe('t', () => {
      got.push('a')
      offB()
      pubsub.subscribe('t', () => { got.push('c') })
    })
    offB = pubsub.subscribe('t', () => { got.push('b') })
    await pubsub.publish('t', 1)
    t.same(got, ['a', 'b'], 'this delivery goes to the listeners it started with')
    got.length = 0
    await pubsub.publish('t', 2)
    t.same(got, ['a', 'c'], 'the next one to the listeners as they were changed (b left, c came)')
    got.length = 0
    await pubsub.publish('t', 3)
    t.same(got, ['a', 'c', 'c'], 'and the one after that to the c the last delivery added')
  })

  t.test(`${name}: a listener that throws is logged and the others still get the message`, async (t) => {
    const log = recordingLog()
    const { pubsub } = await make(t, log)
    const got: unknown[] = []
    pubsub.subscribe('t', () => { throw new Error('boom') })
    pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    await pubsub.publish('t', 'm')
    t.same(got, ['m'])
    t.match(log.lines, [{ level: 'error', msg: /listener threw/, obj: { err: { message: 'boom' }, topic: 't' } }])
  })

  t.test(`${name}: publish refuses what is not JSON data, naming the path and why`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: unknown[] = []
    pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = cyclic
    const cases: Array<[unknown, RegExp]> = [
      [{ when: new Date() }, /message\.when is a Date/],
      [{ a: [1, undefined] }, /message\.a\[1\] is undefined/],
      [{ 'odd key': NaN }, /message\["odd key"\] is NaN/],
      [cyclic, /message\.self refers back to message \(a cycle\)/],
      [() => {}, /message is a function/],
      [{ big: 1n }, /message\.big is a bigint/],
      ['x'.repeat(70_000), /is \d+ bytes as JSON, more than the limit of 65536/],
    ]
    for (const [message, reason] of cases) {
      await t.rejects(pubsub.publish('t', message), { code: 'FST_LIVE_PUBLISH', message: reason }, String(reason))
    }
    await t.rejects(pubsub.publish('t', { ok: '€'.repeat(25_000) }), { code: 'FST_LIVE_PUBLISH' }, 'the limit counts UTF-8 bytes')
    await pubsub.publish('t', { ok: '€'.repeat(1000) })
    t.equal(got.length, 1, 'nothing refused was delivered')
  })

  t.test(`${name}: a topic is a non-empty, bounded string`, async (t) => {
    const { pubsub, presence } = await make(t, recordingLog())
    t.throws(() => pubsub.subscribe('', () => {}), { code: 'FST_LIVE_TOPIC' })
    t.throws(() => pubsub.subscribe(42 as unknown as string, () => {}), { code: 'FST_LIVE_TOPIC', message: /^fastify-live: 42 is not a topic/ })
    await t.rejects(pubsub.publish('x'.repeat(1025), 1), { code: 'FST_LIVE_TOPIC' })
    await t.rejects(presence.track('', 'r', 'k', {}), { code: 'FST_LIVE_TOPIC' })
    t.throws(() => presence.onChange('', () => {}), { code: 'FST_LIVE_TOPIC' })
    await t.rejects(presence.list(''), { code: 'FST_LIVE_TOPIC' })
    t.equal(pubsub.topics, 0)
  })

  t.test(`${name}: after close, publish delivers nothing and subscribe does nothing`, async (t) => {
    const { pubsub } = await make(t, recordingLog())
    const got: unknown[] = []
    pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    await pubsub.close()
    await pubsub.close()
    t.equal(pubsub.topics, 0)
    const off = pubsub.subscribe('t', (_topic, message) => { got.push(message) })
    off()
    await pubsub.publish('t', 1)
    t.same(got, [])
    await t.rejects(pubsub.publish('t', new Date()), { code: 'FST_LIVE_PUBLISH' }, 'bad messages are still refused')
  })

  t.test(`${name}: presence lists one meta per tracking ref, replaces on re-track, drops on untrack`, async (t) => {
    const { presence } = await make(t, recordingLog())
    await presence.track('room', 'tab1', 'ann', { tab: 1 })
    await presence.track('room', 'tab2', 'ann', { tab: 2 })
    await presence.track('room', 'tab3', 'bob', { tab: 3 })
    await presence.track('lobby', 'tab1', 'ann', { here: true })
    let list = await presence.list('room')
    t.same(Object.keys(list).sort(), ['ann', 'bob'])
    t.same(list.ann.map((m) => m.tab).sort(), [1, 2], 'one key tracked by two refs has two metas')
    t.ok(Object.isFrozen(list) && Object.isFrozen(list.ann) && Object.isFrozen(list.ann[0]), 'the list is frozen')
    await presence.track('room', 'tab2', 'ann', { tab: 2, away: true })
    await presence.track('room', 'tab2', 'ann', { tab: 2, away: true })
    list = await presence.list('room')
    t.same(list.ann.map((m) => m.away ?? false).sort(), [false, true], 're-tracking replaces the meta')
    await presence.untrack('room', 'tab3')
    await presence.untrack('room', 'tab3')
    await presence.untrack('nowhere', 'tab3')
    t.same(Object.keys(await presence.list('room')), ['ann'])
    await presence.untrackAll('tab1')
    await presence.untrackAll('tab1')
    t.same(await presence.list('room'), { ann: [{ tab: 2, away: true }] })
    t.same(await presence.list('lobby'), {})
    await presence.untrackAll('tab2')
    t.same(await presence.list('room'), {})
  })

  t.test(`${name}: presence refuses keys and metas that cannot cross processes`, async (t) => {
    const { presence } = await make(t, recordingLog())
    await t.rejects(presence.track('r', 'ref', '', {}), { code: 'FST_LIVE_PRESENCE', message: /key must be a non-empty string.*0 characters/ })
    await t.rejects(presence.track('r', 'ref', 7 as unknown as string, {}), { code: 'FST_LIVE_PRESENCE', message: /got number/ })
    await t.rejects(presence.track('r', 'ref', 'k', null as unknown as Record<string, unknown>), { message: /plain object, got null/ })
    await t.rejects(presence.track('r', 'ref', 'k', [] as unknown as Record<string, unknown>), { message: /plain object, got an array/ })
    await t.rejects(presence.track('r', 'ref', 'k', 'x' as unknown as Record<string, unknown>), { message: /plain object, got string/ })
    await t.rejects(presence.track('r', 'ref', 'k', { since: new Date() }), { code: 'FST_LIVE_PRESENCE', message: /^fastify-live: cannot track on "r": meta\.since is a Date/ })
    await t.rejects(presence.track('r', 'ref', 'k', { pic: 'x'.repeat(5000) }), { message: /more than the limit of 4096/ })
    t.same(await presence.list('r'), {})
  })

  t.test(`${name}: a key named __proto__ is a key like any other`, async (t) => {
    const { presence } = await make(t, recordingLog())
    await presence.track('r', 'ref', '__proto__', { a: 1 })
    const list = await presence.list('r')
    t.same(Object.keys(list), ['__proto__'])
    t.equal(Object.getPrototypeOf(list), Object.prototype)
  })

  t.test(`${name}: presence changes are announced batched, with the full list and the net diff`, async (t) => {
    const { presence } = await make(t, recordingLog())
    await presence.track('room', 'old', 'zed', { n: -1 })
    const calls: Array<{ list: Metas, diff: PresenceDiff }> = []
    const first = nextChange(presence, 'room', (list) => count(list) === 1001)
    const off = presence.onChange('room', (list, diff) => { calls.push({ list, diff }) })
    const tracks: Array<Promise<void>> = []
    for (let i = 0; i < 1000; i++) tracks.push(presence.track('room', `ref${i}`, `user${i % 10}`, { n: i }))
    await Promise.all(tracks)
    const { list } = await first
    t.equal(list.zed.length, 1, 'entries tracked before listening are in the list')
    t.equal(list.user3.length, 100)
    t.ok(calls.length >= 1 && calls.length <= 10, `1,000 joins are a few calls, not 1,000 (${calls.length})`)
    t.equal(calls.reduce((n, c) => n + count(c.diff.joins), 0), 1000, 'the diffs add up to every join, once')
    t.notOk(calls.some((c) => Object.hasOwn(c.diff.joins, 'zed')), 'what was there before listening is not news')

    const before = calls.length
    const settled = nextChange(presence, 'room', (_list, diff) => Object.hasOwn(diff.leaves, 'user1'))
    // In one tick, so in one window whatever the timers do.
    await Promise.all([
      presence.track('room', 'flash', 'visitor', { n: 0 }),
      presence.untrack('room', 'flash'),
      presence.track('room', 'ref1', 'user1', { n: 1, away: true }),
      presence.untrack('room', 'ref2'),
    ])
    const { diff } = await settled
    t.same(diff.joins, { user1: [{ n: 1, away: true }] }, 'a changed meta is a join of the new one…')
    t.same(diff.leaves, { user1: [{ n: 1 }], user2: [{ n: 2 }] }, '…and a leave of the old one')
    t.notOk(calls.slice(before).some((c) => Object.hasOwn(c.diff.joins, 'visitor')), 'a join undone within the window is no news')
    off()
  })

  t.test(`${name}: a presence listener that throws is logged and the others still hear`, async (t) => {
    const log = recordingLog()
    const { presence } = await make(t, log)
    presence.onChange('r', () => { throw new Error('boom') })
    const heard = nextChange(presence, 'r')
    await presence.track('r', 'ref', 'k', {})
    const { list } = await heard
    t.same(list, { k: [{}] })
    t.match(log.lines, [{ level: 'error', msg: /presence listener threw/ }])
  })

  t.test(`${name}: unlistening stops the calls; close drops everything`, async (t) => {
    const { presence } = await make(t, recordingLog())
    const calls: unknown[] = []
    const off = presence.onChange('r', () => { calls.push(1) })
    const off2 = presence.onChange('r', () => { calls.push(2) })
    off()
    off()
    const heard = nextChange(presence, 'r')
    await presence.track('r', 'a', 'k', {})
    await heard
    t.same(calls, [2])
    off2()
    const stillListening = nextChange(presence, 'other')
    await presence.track('other', 'a', 'k', {})
    await stillListening
    await presence.close()
    await presence.close()
    t.same(calls, [2])
    const late = presence.onChange('r', () => { calls.push(3) })
    late()
    await presence.track('r', 'b', 'k', {})
    t.same(await presence.list('r'), {}, 'a closed presence tracks nothing')
  })
}
