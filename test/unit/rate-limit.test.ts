import t from 'tap'
import { ANSWERED_REFUSALS, FRAME_COST, REFUSAL_WINDOW, RateLimiter } from '../../lib/rate-limit.js'

// The limiter takes the time as an argument: each test drives its own clock.

t.test('a burst passes, then frames are refused until tokens refill', async (t) => {
  const limiter = new RateLimiter({ burst: 3, perSecond: 2 }, 0)
  t.same([1, 2, 3].map(() => limiter.take(1, 0)), ['ok', 'ok', 'ok'])
  t.equal(limiter.take(1, 0), 'refuse')
  t.equal(limiter.take(1, 499), 'refuse', 'not yet one token')
  t.equal(limiter.take(1, 500), 'ok', 'half a second at 2 a second is one token')
  t.equal(limiter.take(1, 100_000), 'ok', 'refilled')
  t.same([1, 2].map(() => limiter.take(1, 100_000)), ['ok', 'ok'], 'but never past the burst')
  t.equal(limiter.take(1, 100_000), 'refuse')
})

t.test('a frame is charged what it costs: a render is many events', async (t) => {
  t.ok(FRAME_COST.render > FRAME_COST.join && FRAME_COST.join > FRAME_COST.event, 'render > join > event')
  const limiter = new RateLimiter({ burst: 12, perSecond: 1 }, 0)
  t.equal(limiter.take(FRAME_COST.render, 0), 'ok')
  t.equal(limiter.take(FRAME_COST.render, 0), 'refuse', 'two tokens left: a second render is refused')
  t.equal(limiter.take(FRAME_COST.event, 0), 'ok', 'while an event still passes')
  t.equal(limiter.take(FRAME_COST.event, 0), 'ok')
  t.equal(limiter.take(FRAME_COST.event, 0), 'refuse')
})

t.test('a flood is closed by its refusals over the window, whatever trickle of tokens it earns', async (t) => {
  const burst = 5
  const limiter = new RateLimiter({ burst, perSecond: 10 }, 0)
  for (let k = 0; k < burst; k++) limiter.take(1, 0)
  // Every 100 ms one token arrives and is spent; the frames between are refused.
  const verdicts: string[] = []
  for (let now = 100; verdicts.at(-1) !== 'close' && now < REFUSAL_WINDOW; now += 100) {
    verdicts.push(limiter.take(1, now), limiter.take(1, now))
  }
  t.same(verdicts.filter((v) => v !== 'ok'), [...Array(burst).fill('refuse'), 'close'], `closed at the refusal past the burst (${burst})`)
  t.equal(verdicts.filter((v) => v === 'ok').length, burst + 1, 'although a token was granted between each refusal')
})

t.test('refusals spread wider than the window do not close the socket', async (t) => {
  const limiter = new RateLimiter({ burst: 2, perSecond: 0.0001 }, 0)
  limiter.take(2, 0)
  const verdicts: string[] = []
  for (let k = 0; k < 10; k++) verdicts.push(limiter.take(1, k * (REFUSAL_WINDOW + 1)))
  t.same(new Set(verdicts), new Set(['refuse']), 'one refusal per window: never a close')
  t.equal(limiter.take(1, 9 * (REFUSAL_WINDOW + 1) + 1), 'refuse')
  t.equal(limiter.take(1, 9 * (REFUSAL_WINDOW + 1) + 2), 'close', 'three in one window is past the burst of 2')
})

t.test('past the answered refusals of a window a flooder is not answered; a new window is', async (t) => {
  const burst = ANSWERED_REFUSALS * 3
  const limiter = new RateLimiter({ burst, perSecond: 0.0001 }, 0)
  limiter.take(burst, 0)
  const verdicts = Array.from({ length: ANSWERED_REFUSALS + 5 }, () => limiter.take(1, 1))
  t.same(verdicts.slice(0, ANSWERED_REFUSALS), Array(ANSWERED_REFUSALS).fill('refuse'), `the first ${ANSWERED_REFUSALS} are answered`)
  t.same(verdicts.slice(ANSWERED_REFUSALS), Array(5).fill('refuse-silently'), 'the rest are not')
  t.equal(limiter.take(1, REFUSAL_WINDOW + 2), 'refuse', 'the next window is answered again')
})
