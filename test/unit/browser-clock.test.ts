import t from 'tap'
import { pageClock } from '../../browser/clock.js'

// The bundle's clock is the platform's: Date.now() and its timers.

t.test('the page clock reads Date.now() and runs and clears real timers', async (t) => {
  const before = Date.now()
  const now = pageClock.now()
  t.ok(now >= before && now <= Date.now(), 'now() is Date.now()')
  const ran: string[] = []
  const cleared = pageClock.setTimeout(() => ran.push('cleared'), 0)
  pageClock.clearTimeout(cleared)
  pageClock.clearTimeout(undefined)
  await new Promise<void>((resolve) => pageClock.setTimeout(() => { ran.push('kept'); resolve() }, 1))
  t.same(ran, ['kept'], 'the cleared timer never ran')
})
