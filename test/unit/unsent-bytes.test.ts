import t from 'tap'
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { UnsentBytes } from '../../lib/unsent-bytes.js'

// The bytes all sockets hold unsent (maxTotalBufferedBytes): which sockets
// count, when they stop counting, and a running total that is corrected when
// it says "over". Real sockets past the total: test/stress/clients-that-stop-reading-or-flood-renders-stay-bounded.test.ts.

/** A socket as the total sees it: its unsent bytes, and its TCP socket's need to drain and events. */
function socket (bytes: number) {
  const tcp = Object.assign(new EventEmitter(), { writableNeedDrain: bytes > 16_384 })
  const holder = { bufferedAmount: bytes }
  const set = (n: number): void => { holder.bufferedAmount = n; tcp.writableNeedDrain = n > 16_384 }
  return { holder, tcp: tcp as unknown as Socket & { writableNeedDrain: boolean }, set, emitter: tcp }
}

t.test('only sockets that are behind count, and one that drains or closes stops counting', async (t) => {
  const total = new UnsentBytes(100_000)
  const keeping = socket(10_000)
  t.notOk(total.over(keeping.holder, keeping.tcp), 'under the high-water mark: not behind')
  t.equal(total.sockets, 0)
  t.notOk(total.over(keeping.holder, undefined), 'a socket without TCP (closed) is not counted')
  const a = socket(60_000)
  const b = socket(60_000)
  t.notOk(total.over(a.holder, a.tcp), '60 KB: under the total')
  t.ok(total.over(b.holder, b.tcp), '120 KB: over it')
  t.ok(total.over(a.holder, a.tcp), 'for every socket that is behind')
  t.equal(total.total, 120_000)
  a.set(0)
  a.emitter.emit('drain')
  t.same([total.total, total.sockets], [60_000, 1], 'a drained socket leaves the total')
  t.notOk(total.over(b.holder, b.tcp))
  b.emitter.emit('close')
  t.same([total.total, total.sockets], [0, 0], 'so does a closed one')
  t.equal(b.emitter.listenerCount('drain') + b.emitter.listenerCount('close'), 0, 'and its listeners are gone')
})

t.test('a socket the kernel partly drained since it was counted does not hold others back', async (t) => {
  const total = new UnsentBytes(100_000)
  const a = socket(90_000)
  const b = socket(20_000)
  t.notOk(total.over(a.holder, a.tcp))
  a.set(30_000) // read partly by its client: still behind, no drain event
  t.notOk(total.over(b.holder, b.tcp), 'the running total said 110 KB; counted again, it is 50 KB')
  t.equal(total.total, 50_000)
})

t.test('a broadcast asks about each socket behind once, not about all of them for each', async (t) => {
  const total = new UnsentBytes(1_000)
  const sockets = Array.from({ length: 1_000 }, () => socket(20_000))
  let reads = 0
  for (const s of sockets) {
    const holder = s.holder
    let bytes = holder.bufferedAmount
    Object.defineProperty(holder, 'bufferedAmount', { get: () => { reads++; return bytes }, set: (n: number) => { bytes = n } })
  }
  for (const s of sockets) total.over(s.holder, s.tcp)
  t.ok(sockets.every((s) => total.over(s.holder, s.tcp)), 'every one of them is held back')
  t.ok(reads < 5 * sockets.length, `${reads} reads of bufferedAmount for 2,000 questions about 1,000 sockets (a sum each time: ~1,000,000)`)
})
