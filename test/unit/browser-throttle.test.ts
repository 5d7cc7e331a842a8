import t from 'tap'
import { type ThrottlePolicy, createThrottler } from '../../browser/throttle.js'
import { ManualClock } from '../helpers/clock.js'

// browser/throttle.ts against a manual clock, with lodash's semantics:
// leading and trailing by default, and a trailing send starts a new interval.

interface Button { name: string }

function setup () {
  const clock = new ManualClock()
  const throttler = createThrottler<Button>(clock)
  const sent: Array<[number, string]> = []
  const click = (target: Button, value: string, policy: ThrottlePolicy, key = 'tick') =>
    throttler.throttle({ target, key, policy, fire: () => sent.push([clock.now(), value]) })
  return { clock, throttler, sent, click }
}

t.test('leading and trailing: the first event at once, the latest of the rest when the interval ends', async (t) => {
  const { clock, sent, click } = setup()
  const b = { name: 'b' }
  const policy = { interval: 300 }
  click(b, '1', policy)
  t.same(sent, [[0, '1']], 'the first event is sent inside the event')
  for (const v of ['2', '3', '4']) {
    clock.advance(50)
    click(b, v, policy)
  }
  t.same(sent, [[0, '1']], 'the rest are held back')
  clock.advance(150)
  t.same(sent, [[0, '1'], [300, '4']], 'the latest one is sent when the interval ends')
})

t.test('a trailing send starts a new interval; a quiet interval closes the gate', async (t) => {
  const { clock, sent, click } = setup()
  const b = { name: 'b' }
  const policy = { interval: 300 }
  click(b, '1', policy)
  click(b, '2', policy)
  clock.advance(300)
  t.same(sent, [[0, '1'], [300, '2']])
  clock.advance(100)
  click(b, '3', policy)
  t.same(sent, [[0, '1'], [300, '2']], 'an event 100 ms after the trailing send waits: a new interval runs')
  clock.advance(200)
  t.same(sent, [[0, '1'], [300, '2'], [600, '3']], 'and goes when that interval ends')
  clock.advance(300)
  t.equal(clock.pending, 0, 'an interval with nothing to send closes the gate')
  click(b, '4', policy)
  t.same(sent.at(-1), [900, '4'], 'so the next event is leading again')
})

t.test('leading: false sends only the trailing event', async (t) => {
  const { clock, sent, click } = setup()
  const b = { name: 'b' }
  const policy = { interval: 200, leading: false }
  click(b, '1', policy)
  click(b, '2', policy)
  t.same(sent, [], 'nothing at once')
  clock.advance(200)
  t.same(sent, [[200, '2']], 'the latest at the end of the interval')
  clock.advance(200)
  t.equal(clock.pending, 0)
  click(b, '3', policy)
  clock.advance(199)
  t.same(sent, [[200, '2']], 'a single later event also waits its interval')
  clock.advance(1)
  t.same(sent, [[200, '2'], [600, '3']])
})

t.test('trailing: false drops what comes during the interval', async (t) => {
  const { clock, sent, click } = setup()
  const b = { name: 'b' }
  const policy = { interval: 200, trailing: false }
  click(b, '1', policy)
  click(b, '2', policy)
  clock.advance(200)
  t.same(sent, [[0, '1']], 'the held event is never sent')
  click(b, '3', policy)
  t.same(sent, [[0, '1'], [200, '3']], 'the next interval starts with the next event')
})

t.test('the default interval is 100 ms', async (t) => {
  const { clock, sent, click } = setup()
  const b = { name: 'b' }
  click(b, '1', {})
  click(b, '2', {})
  clock.advance(99)
  t.equal(sent.length, 1)
  clock.advance(1)
  t.same(sent, [[0, '1'], [100, '2']])
})

t.test('targets and keys have intervals of their own', async (t) => {
  const { clock, sent, click } = setup()
  const [a, b] = [{ name: 'a' }, { name: 'b' }]
  const policy = { interval: 300 }
  click(a, 'a-left', policy, 'move:ArrowLeft')
  click(a, 'a-right', policy, 'move:ArrowRight')
  click(b, 'b-left', policy, 'move:ArrowLeft')
  t.same(sent.map(([, v]) => v), ['a-left', 'a-right', 'b-left'], 'none held back by another')
  click(a, 'a-left-again', policy, 'move:ArrowLeft')
  clock.advance(300)
  t.same(sent.at(-1), [300, 'a-left-again'], 'the repeat of the same key waited')
  clock.advance(300)
  t.equal(clock.pending, 0, 'every gate closed')
})

t.test('drop() closes every gate and forgets held events', async (t) => {
  const { clock, throttler, sent, click } = setup()
  const b = { name: 'b' }
  const policy = { interval: 300 }
  click(b, '1', policy)
  click(b, '2', policy)
  throttler.drop()
  t.equal(clock.pending, 0)
  clock.advance(1000)
  t.same(sent, [[0, '1']], 'the held event is never sent')
  click(b, '3', policy)
  t.same(sent.at(-1), [1000, '3'], 'the next event is leading')
})
