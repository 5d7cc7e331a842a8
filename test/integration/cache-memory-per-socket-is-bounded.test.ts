import t from 'tap'
import { LiveView, cache, eventHandler } from '../../lib/index.js'
import { kRuntime } from '../../lib/symbols.js'
import type { Session } from '../../lib/session.js'
import { SNAPSHOT_OVERHEAD_BYTES } from '../../lib/snapshots.js'
import { openLive } from '../../lib/testing.js'
import { buildApp } from '../helpers/app.js'
import { until } from '../helpers/live.js'

// Issue 17.4: @cache snapshot memory is bounded per socket in bytes
// (maxCacheBytes, 1 MiB by default), across all the socket's views, the least
// recently used going first. A snapshot holds only what its handler changed,
// so a view's large state is not copied into every result.

const RESULT_BYTES = 20_000
const RESULTS_PER_VIEW = 40
const VIEWS = 5

let runs = 0
const mounted: LiveView[] = []

/** ~100 KB of state that no cached handler touches (the old snapshots cloned it every time). */
const rows = Array.from({ length: 1000 }, (_, k) => ({ id: k, title: `row ${k}`.padEnd(90, '.') }))

class ItemView extends LiveView {
  static override template = 'cache-memory-item.njk'
  n = 0
  rows = rows.map((r) => ({ ...r }))
  shown = ''

  override mount () { mounted.push(this) }

  /** A large result per key: RESULT_BYTES of text. */
  @cache({ keyParams: ['k'] }) @eventHandler({ params: { k: { type: 'integer' } } })
  show ({ k }: { k: number }) {
    runs++
    this.shown = String(k % 10).repeat(RESULT_BYTES)
  }
}

class PageView extends ItemView {
  static override template = 'cache-memory.njk'
  static override embeds = { Item: ItemView }
  items = Array.from({ length: VIEWS - 1 }, (_, k) => k + 1)
}

t.beforeEach(() => {
  runs = 0
  mounted.length = 0
})

t.test('snapshot memory per socket stays within maxCacheBytes, across views, least recently used first', async (t) => {
  // 200 events as fast as the machine answers: more than the default rate limit allows.
  const app = await buildApp(t, [['/many', PageView]], { rateLimit: { burst: 10_000 } })
  const page = await openLive(app, '/many')
  t.teardown(() => page.close())
  t.equal(page.roots.length, VIEWS)
  const session = (mounted[0] as any)[kRuntime] as Session
  const budget = session.out!.snapshotBudget
  t.equal(budget.limit, 1_048_576, 'the default budget: 1 MiB')

  const snaps = new Map<string, string>()
  let peak = 0
  for (let k = 0; k < RESULTS_PER_VIEW; k++) {
    for (const root of page.roots) {
      const reply = await page.event('show', { k }, { id: root.id })
      if (reply.t !== 'reply') t.fail(`event ${k} on ${root.id} was answered with ${JSON.stringify(reply)}`)
      snaps.set(`${root.id}:${k}`, reply.snap as string)
      peak = Math.max(peak, budget.used)
    }
  }
  const cached = VIEWS * RESULTS_PER_VIEW * (RESULT_BYTES + 2)
  const stateBytes = JSON.stringify(rows).length
  t.ok(peak <= budget.limit, `kept at most ${peak} bytes (budget ${budget.limit})`)
  t.ok(budget.used > budget.limit - (RESULT_BYTES + 2 + SNAPSHOT_OVERHEAD_BYTES + 100), 'and the budget is used, not wasted')
  t.comment(`snapshot memory per socket (bounded): ${(peak / 1024).toFixed(0)} KiB kept at most (maxCacheBytes ${budget.limit / 1024} KiB) ` +
    `while ${VIEWS} views cached ${VIEWS * RESULTS_PER_VIEW} results of ${(RESULT_BYTES / 1000).toFixed(0)} KB (${(cached / 1024 / 1024).toFixed(1)} MiB); ` +
    `each view also holds ${(stateBytes / 1024).toFixed(0)} KiB of state no snapshot copies (whole-state snapshots: ${(VIEWS * 32 * (stateBytes + RESULT_BYTES) / 1024 / 1024).toFixed(1)} MiB at 32 per view)`)

  // The most recent results are still hits; the oldest, evicted, run their handler again.
  const before = runs
  const last = page.roots.at(-1)!.id
  t.match(await page.event('show', { k: RESULTS_PER_VIEW - 1 }, { id: last, hit: snaps.get(`${last}:${RESULTS_PER_VIEW - 1}`)! }), { snap: snaps.get(`${last}:${RESULTS_PER_VIEW - 1}`) })
  t.equal(runs, before, 'a recent result: a hit')
  const first = page.roots[0]!.id
  const evicted = await page.event('show', { k: 0 }, { id: first, hit: snaps.get(`${first}:0`)! })
  t.equal(runs, before + 1, 'the least recently used result was evicted: the handler ran')
  t.ok(budget.used <= budget.limit)
  const keep = evicted.keep as string[]
  t.ok(Array.isArray(keep) && keep.length > 0, 'the browser, which may still hold evicted results, is told which the server has')
  t.notOk(keep.includes(snaps.get(`${first}:0`)!))

  page.close()
  await until(() => budget.used === 0, 'the closed socket to release its snapshots')
  t.equal(budget.used, 0, 'a closed socket releases its snapshots')
})

t.test('a smaller maxCacheBytes holds, and a result larger than it is not cached', async (t) => {
  const app = await buildApp(t, [['/many', PageView]], { maxCacheBytes: 50_000 })
  const page = await openLive(app, '/many')
  t.teardown(() => page.close())
  const budget = ((mounted[0] as any)[kRuntime] as Session).out!.snapshotBudget
  for (let k = 0; k < 5; k++) for (const root of page.roots) await page.event('show', { k }, { id: root.id })
  t.ok(budget.used <= 50_000, `${budget.used} <= 50000`)
  t.equal(budget.used, 2 * (RESULT_BYTES + 2 + 'shown'.length + 'show[4]'.length + SNAPSHOT_OVERHEAD_BYTES), 'two results fit')
  const small = await buildApp(t, [['/many', PageView]], { maxCacheBytes: RESULT_BYTES })
  const other = await openLive(small, '/many')
  t.teardown(() => other.close())
  const reply = await other.event('show', { k: 1 })
  t.equal(reply.t, 'reply')
  t.notOk('snap' in reply, 'over the whole budget: no snapshot, so no hit can be claimed')
})
