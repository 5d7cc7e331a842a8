import t from 'tap'
import { createDebouncer } from '../../browser/debounce.js'
import { ManualClock } from '../helpers/clock.js'

// browser/debounce.ts against a manual clock: what is sent, and when.

interface Field { name: string }

function setup () {
  const clock = new ManualClock()
  const debouncer = createDebouncer<Field>(clock)
  const sent: Array<[number, string]> = []
  /** Schedule a send of `value` for `target`'s handler `h`. */
  const type = (target: Field, value: string, wait: number | 'blur', maxWait?: number, h = 'search') =>
    debouncer.debounce({ target, handler: h, wait, maxWait, fire: () => sent.push([clock.now(), value]) })
  return { clock, debouncer, sent, type }
}

t.test('a burst is sent once, `wait` after its last event, with the latest value', async (t) => {
  const { clock, sent, type } = setup()
  const q = { name: 'q' }
  type(q, 'a', 300)
  clock.advance(200)
  type(q, 'ab', 300)
  clock.advance(200)
  type(q, 'abc', 300)
  clock.advance(299)
  t.same(sent, [], 'nothing before the wait since the last event')
  clock.advance(1)
  t.same(sent, [[700, 'abc']], 'one send, 300 ms after the last event, with its value')
  clock.advance(5000)
  t.same(sent, [[700, 'abc']], 'and nothing more')
  t.equal(clock.pending, 0, 'no timer left')
})

t.test('maxWait caps how long a steady stream is held back', async (t) => {
  const { clock, sent, type } = setup()
  const q = { name: 'q' }
  for (let k = 0; k < 10; k++) {
    type(q, `v${k}`, 300, 700)
    clock.advance(100)
  }
  t.same(sent, [[700, 'v6']], 'the send left at maxWait after the first event, with the latest value then')
  clock.advance(1000)
  t.same(sent, [[700, 'v6'], [1200, 'v9']], 'the rest waits again from its own first event')
})

t.test('maxWait never cuts a longer wait short', async (t) => {
  const { clock, sent, type } = setup()
  type({ name: 'q' }, 'x', 1000, 700)
  clock.advance(999)
  t.same(sent, [])
  clock.advance(1)
  t.same(sent, [[1000, 'x']])
})

t.test('a wait of 0 sends on the next turn, still one send per burst', async (t) => {
  const { clock, sent, type } = setup()
  const q = { name: 'q' }
  type(q, 'a', 0)
  type(q, 'b', 0)
  t.same(sent, [], 'not inside the event')
  clock.advance(0)
  t.same(sent, [[0, 'b']])
})

t.test('targets and handlers debounce separately', async (t) => {
  const { clock, sent, type } = setup()
  const a = { name: 'a' }
  const b = { name: 'b' }
  type(a, 'a1', 100)
  type(b, 'b1', 200)
  type(a, 'a-other', 50, undefined, 'other')
  clock.advance(300)
  t.same(sent, [[50, 'a-other'], [100, 'a1'], [200, 'b1']])
})

t.test('"blur" holds the latest send until a flush covers it', async (t) => {
  const { clock, debouncer, sent, type } = setup()
  const q = { name: 'q' }
  type(q, 'a', 'blur')
  type(q, 'ab', 'blur')
  clock.advance(60_000)
  t.same(sent, [], 'no timer sends it')
  debouncer.flush((target) => target !== q)
  t.same(sent, [], 'a flush of other targets leaves it')
  debouncer.flush((target) => target === q)
  t.same(sent, [[60_000, 'ab']], 'the flush sends the latest value')
  debouncer.flush(() => true)
  t.same(sent, [[60_000, 'ab']], 'once')
})

t.test('a flush sends pending sends at once, in the order they were first scheduled, and cancels their timers', async (t) => {
  const { clock, debouncer, sent, type } = setup()
  const [a, b, c] = [{ name: 'a' }, { name: 'b' }, { name: 'c' }]
  type(b, 'b1', 300)
  type(a, 'a1', 300)
  type(c, 'c1', 300)
  clock.advance(100)
  type(b, 'b2', 300)
  debouncer.flush((target) => target !== c)
  t.same(sent, [[100, 'b2'], [100, 'a1']], 'b first: it was scheduled first, even though its latest event came last')
  clock.advance(1000)
  t.same(sent, [[100, 'b2'], [100, 'a1'], [300, 'c1']], 'the flushed ones are not sent again; the other keeps its timer')
})

t.test('drop() forgets every pending send', async (t) => {
  const { clock, debouncer, sent, type } = setup()
  type({ name: 'a' }, 'a', 300)
  type({ name: 'b' }, 'b', 'blur')
  debouncer.drop()
  t.equal(clock.pending, 0, 'no timer left')
  clock.advance(1000)
  debouncer.flush(() => true)
  t.same(sent, [], 'nothing is ever sent')
  type({ name: 'a' }, 'again', 300)
  clock.advance(300)
  t.same(sent, [[1300, 'again']], 'and new sends start afresh')
})
